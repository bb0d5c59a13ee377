/** The Store contract on the embedded PGlite adapter (in memory, cloned from a migrated snapshot). */
import { runStoreContract } from "./store.contract.js";
import { openTestStore } from "../testing/pglite-snapshot.js";

runStoreContract("pglite", async () => {
  const store = await openTestStore();
  return { store, dispose: () => store.close() };
});
