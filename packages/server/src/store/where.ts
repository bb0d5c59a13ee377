/** A tiny builder for parameterised WHERE clauses (`?` becomes `$n`). */
export class Where {
  private readonly parts: string[] = [];
  readonly params: unknown[] = [];

  /** Add a condition with at most one `?` placeholder. */
  add(condition: string, value?: unknown): this {
    if (condition.includes("?")) {
      this.params.push(value);
      this.parts.push(condition.replace("?", `$${this.params.length}`));
    } else {
      this.parts.push(condition);
    }
    return this;
  }

  /** Add `condition` only when `value` is defined. */
  addIf(condition: string, value: unknown): this {
    return value === undefined ? this : this.add(condition, value);
  }

  /** A copy, so a page query can extend the count query's conditions. */
  clone(): Where {
    const w = new Where();
    w.parts.push(...this.parts);
    w.params.push(...this.params);
    return w;
  }

  get sql(): string {
    return this.parts.length === 0 ? "TRUE" : this.parts.join(" AND ");
  }
}
