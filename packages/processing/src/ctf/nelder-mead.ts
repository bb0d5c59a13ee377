/** Minimise `f` from `start` with the Nelder–Mead simplex (initial steps `step`). */
export function nelderMead(f: (x: number[]) => number, start: number[], step: number[], maxEvaluations = 400, tolerance = 1e-7): { x: number[]; value: number } {
  const n = start.length;
  let simplex = [start.slice()];
  for (let i = 0; i < n; i++) {
    const p = start.slice();
    p[i]! += step[i]!;
    simplex.push(p);
  }
  let values = simplex.map(f);
  let evaluations = n + 1;
  while (evaluations < maxEvaluations) {
    const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i]!);
    values = order.map(([v]) => v);
    if (Math.abs(values[n]! - values[0]!) < tolerance) break;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]![j]! / n;
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n]![j]! - c));
    const reflected = along(-1);
    const fr = f(reflected);
    evaluations++;
    if (fr < values[0]!) {
      const expanded = along(-2);
      const fe = f(expanded);
      evaluations++;
      if (fe < fr) {
        simplex[n] = expanded;
        values[n] = fe;
      } else {
        simplex[n] = reflected;
        values[n] = fr;
      }
    } else if (fr < values[n - 1]!) {
      simplex[n] = reflected;
      values[n] = fr;
    } else {
      const contracted = along(fr < values[n]! ? -0.5 : 0.5);
      const fc = f(contracted);
      evaluations++;
      if (fc < Math.min(fr, values[n]!)) {
        simplex[n] = contracted;
        values[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = simplex[i]!.map((v, j) => simplex[0]![j]! + 0.5 * (v - simplex[0]![j]!));
          values[i] = f(simplex[i]!);
          evaluations++;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i <= n; i++) if (values[i]! < values[best]!) best = i;
  return { x: simplex[best]!, value: values[best]! };
}
