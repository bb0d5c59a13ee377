/**
 * The WorkTransport contract on the database transport over PostgreSQL, when
 * DATABASE_URL is set. Each run gets its own schema, dropped afterwards.
 */
import { describe } from "vitest";
import { runTransportContract } from "../transport.contract.js";
import { postgresHarness } from "./sql-clients.contract.js";

const url = process.env.DATABASE_URL;

describe.skipIf(url === undefined || url === "")("PostgreSQL (DATABASE_URL)", () => {
  runTransportContract("sql on PostgreSQL", postgresHarness(url!));
});
