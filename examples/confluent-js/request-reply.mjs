// A producer that knows nothing of Switchboard but its contract: it publishes an LlmRequest with
// only the core fields, serialized by Confluent's own Avro serializer (@confluentinc/schemaregistry),
// and reads the LlmReply from the reply topic it named with Confluent's deserializer.
//
//   npm install && SWITCHBOARD_TOKEN=$(../../bin/switchboard token --tenant js-tenant) node request-reply.mjs ["PROMPT"]
//
// The request carries its producer's access token in the header `authorization` ("Bearer <JWT>"):
// the planner refuses a request without a valid token of its tenant (a FAILED reply, UNAUTHENTICATED).
// Settings: KAFKA (default localhost:9092), SCHEMA_REGISTRY (default http://localhost:8081),
// SWITCHBOARD_TOKEN (none: for a stack with security.enabled=false).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import {
  SchemaRegistryClient, AvroSerializer, AvroDeserializer, SerdeType,
} from '@confluentinc/schemaregistry';

const brokers = [process.env.KAFKA ?? 'localhost:9092'];
const registryUrl = process.env.SCHEMA_REGISTRY ?? 'http://localhost:8081';
const prompt = process.argv[2] ?? 'What is 2+2?';
const replyTo = 'examples.js.replies';

// The core fields of DESIGN.md's LlmRequest, and nothing else.
const coreSchema = {
  type: 'record', name: 'LlmRequest', namespace: 'dev.switchboard.avro',
  fields: [
    { name: 'requestId', type: 'string' },
    { name: 'tenantId', type: 'string' },
    { name: 'sessionId', type: ['null', 'string'], default: null },
    { name: 'messages', type: { type: 'array', items: { type: 'record', name: 'ChatMessage', fields: [
      { name: 'role', type: { type: 'enum', name: 'ChatRole', symbols: ['SYSTEM', 'USER', 'ASSISTANT', 'TOOL'] } },
      { name: 'content', type: 'string' } ] } } },
    { name: 'replyTo', type: ['null', 'string'], default: null },
    { name: 'createdAtMs', type: 'long' },
  ],
};

const registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
const schemaId = await registry.register('llm.requests-value', { schemaType: 'AVRO', schema: JSON.stringify(coreSchema) });
const serializer = new AvroSerializer(registry, SerdeType.VALUE, { useSchemaId: schemaId });
const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});

const kafka = new Kafka({ clientId: 'confluent-js-example', brokers, logLevel: logLevel.ERROR });
const admin = kafka.admin();
await admin.connect();
if (!(await admin.listTopics()).includes(replyTo)) {
  await admin.createTopics({ topics: [{ topic: replyTo, numPartitions: 3 }] });
}
await admin.disconnect();

const requestId = randomUUID();
const consumer = kafka.consumer({ groupId: `confluent-js-example-${requestId}` });
await consumer.connect();
await consumer.subscribe({ topic: replyTo, fromBeginning: false });

const started = Date.now();
const reply = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`no reply within 30 s to ${requestId}`)), 30_000);
  consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() !== requestId) return;
      clearTimeout(timer);
      resolve(await deserializer.deserialize(replyTo, message.value));
    },
  });
});
// Wait until the consumer holds its partitions before publishing, so the reply is not missed.
await new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));

const request = {
  requestId,
  tenantId: 'js-tenant',
  sessionId: null,
  messages: [{ role: 'USER', content: prompt }],
  replyTo,
  createdAtMs: Date.now(),
};
const producer = kafka.producer();
await producer.connect();
const value = await serializer.serialize('llm.requests', request);
const headers = process.env.SWITCHBOARD_TOKEN ? { authorization: `Bearer ${process.env.SWITCHBOARD_TOKEN}` } : {};
await producer.send({ topic: 'llm.requests', messages: [{ key: requestId, value, headers }] });
console.log(`published ${requestId} (schema id ${schemaId}, ${value.length} bytes, magic byte ${value[0]})`);

try {
  const answer = await reply;
  console.log(`reply after ${Date.now() - started} ms:`, JSON.stringify(answer, (k, v) => typeof v === 'bigint' ? Number(v) : v, 2));
} finally {
  await producer.disconnect();
  await consumer.disconnect();
}
