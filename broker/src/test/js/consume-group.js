// Reads N messages in a consumer group with kafkajs and prints them as JSON lines, then exits:
// node consume-group.js <broker> <topic> <group> <count> <timeoutMs>
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [broker, topic, group, count, timeoutMs] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'floe-kafkajs-consumer', brokers: [broker], logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, rebalanceTimeout: 10000 });
  const n = parseInt(count, 10);
  let seen = 0;
  const timer = setTimeout(async () => {
    console.error(`timed out after ${seen} of ${n} messages`);
    process.exit(2);
  }, parseInt(timeoutMs, 10));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve) => {
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        console.log(JSON.stringify({ partition, offset: message.offset, key: message.key.toString(), value: message.value.toString() }));
        seen++;
        if (seen >= n) resolve();
      },
    });
  });
  clearTimeout(timer);
  await consumer.disconnect();
}

main().catch((e) => { console.error(e); process.exit(1); });
