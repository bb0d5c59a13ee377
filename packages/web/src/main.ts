/** The dashboard's entry point: header (live status, token), hash routes, mounted on #app. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { getToken, setToken } from "./api.js";
import { SessionList } from "./components/session-list.js";
import { SessionPage } from "./components/session-page.js";
import { html } from "./html.js";
import { useRoute } from "./hooks.js";
import { live, type LiveStatus } from "./live.js";

function LiveIndicator() {
  const [status, setStatus] = useState<LiveStatus>(live.status);
  useEffect(() => live.onStatus(setStatus), []);
  return html`<span class=${`live-dot ${status}`} data-live=${status} title="server-sent events">${status}</span>`;
}

function TokenButton() {
  const [open, setOpen] = useState(false);
  const [has, setHas] = useState(getToken() !== "");
  const save = (e: Event) => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem("token") as HTMLInputElement;
    setToken(input.value.trim());
    setHas(input.value.trim() !== "");
    setOpen(false);
  };
  return html`<span class="token">
    <button onClick=${() => setOpen(!open)} title="bearer token for start/stop/resume from another machine">${has ? "token set" : "set token"}</button>
    ${open
      ? html`<form class="token-form" onSubmit=${save}>
          <input name="token" type="password" autocomplete="off" placeholder="bearer token (empty = none)" value=${getToken()} />
          <button type="submit">save</button>
          <small>kept in this browser only; writes from this machine need none</small>
        </form>`
      : ""}
  </span>`;
}

function App() {
  const { path, query } = useRoute();
  const page = path[0] === "session" && path[1] !== undefined ? html`<${SessionPage} id=${path[1]} query=${query} />` : html`<${SessionList} />`;
  return html`<div class="app">
    <header class="top"><a class="brand" href="#/">emflow</a><span class="spacer"></span><${LiveIndicator} /><${TokenButton} /></header>
    <main>${page}</main>
  </div>`;
}

live.start();
const root = document.getElementById("app")!;
// Preact would keep the static "Loading…" text beside the app; it is only there until this module runs.
root.textContent = "";
render(html`<${App} />`, root);
