/** The WorkTransport contract on the database transport over PGlite (on a temporary data directory, so restarts are real). */
import { runTransportContract } from "../transport.contract.js";
import { pgliteHarness } from "./sql-clients.contract.js";

runTransportContract("sql on PGlite", pgliteHarness());
