/**
 * The WorkTransport contract on RabbitMQ when AMQP_URL is set (CI sets it;
 * locally: AMQP_URL=amqp://guest:guest@127.0.0.1:5672).
 */
import { describe } from "vitest";
import { runTransportContract } from "../transport.contract.js";
import { amqpHarness } from "./amqp-harness.contract.js";

const url = process.env.AMQP_URL;

describe.skipIf(url === undefined || url === "")("RabbitMQ (AMQP_URL)", () => {
  runTransportContract("amqp on RabbitMQ", amqpHarness(url!));
});
