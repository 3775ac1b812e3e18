// Produces N keyed messages with kafkajs: node produce.js <broker> <topic> <count> <prefix>
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [broker, topic, count, prefix] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'floe-kafkajs-producer', brokers: [broker], logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const n = parseInt(count, 10);
  const batch = [];
  for (let i = 0; i < n; i++) {
    batch.push({ key: `${prefix}-k${i}`, value: `${prefix}-v${i}` });
  }
  for (let i = 0; i < batch.length; i += 100) {
    await producer.send({ topic, acks: -1, messages: batch.slice(i, i + 100) });
  }
  await producer.disconnect();
  console.log(JSON.stringify({ produced: n }));
}

main().catch((e) => { console.error(e); process.exit(1); });
