package io.floe.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The producer of {@link FailoverBench}: one idempotent acks=all producer on a thread of its own, offering a fixed
 * rate over every partition in turn (record {@code seq} goes to partition {@code seq % partitions}), recording each
 * acknowledged record's offset and, per partition, when produces were last acknowledged and the first
 * acknowledgement of a record sent after a kill. Each record's value starts with its sequence number in hex.
 */
final class FailoverWorkload implements AutoCloseable {

    /** The producer's settings besides bootstrap and serializers: the client's defaults otherwise. */
    static final Map<String, String> PRODUCER_PROPS = Map.of(
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
            ProducerConfig.LINGER_MS_CONFIG, "5",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
    private static final int SEQ_CHARS = 16;

    /** What the read-back found: {@code lost} and {@code misplaced} must be 0, and with idempotence duplicates too. */
    record Verification(long sent, long acked, long sendErrors, List<String> firstErrors, long consumed, long lost,
                        long misplaced, long duplicates, long presentNotAcked, boolean readToEnd) {
        boolean nothingLost() {
            return readToEnd && lost == 0 && misplaced == 0;
        }
    }

    /** A kill: records sent at or after {@code killNanos}, and per partition the first acknowledgement of one. */
    private record KillMark(long killNanos, Map<Integer, Long> firstAckNanos) {
    }

    private final String topic;
    private final int partitions;
    private final long rate;
    private final byte[] padding;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread sender;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final List<String> firstErrors = new CopyOnWriteArrayList<>();
    /** Acknowledged offset by sequence number. */
    private final Map<Long, Long> acked = new ConcurrentHashMap<>();
    private final AtomicLongArray lastAckNanos;
    private volatile KillMark mark = new KillMark(Long.MAX_VALUE, new ConcurrentHashMap<>());

    FailoverWorkload(String bootstrap, String topic, int partitions, long rate, int recordSize,
                     Map<String, String> extraProps) {
        this.topic = topic;
        this.partitions = partitions;
        this.rate = rate;
        this.padding = new byte[recordSize - SEQ_CHARS];
        Arrays.fill(padding, (byte) 'x');
        this.lastAckNanos = new AtomicLongArray(partitions);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.putAll(PRODUCER_PROPS);
        p.putAll(extraProps);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.sender = new Thread(this::sendLoop, "failover-producer");
        sender.setDaemon(true);
        sender.start();
    }

    private void sendLoop() {
        long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        for (long seq = 0; running.get(); seq++) {
            long due = start + seq * periodNanos;
            long now = System.nanoTime();
            if (due > now) {
                try {
                    TimeUnit.NANOSECONDS.sleep(due - now);
                } catch (InterruptedException e) {
                    return;
                }
            } else if (now - due > TimeUnit.SECONDS.toNanos(1)) {
                start = now - seq * periodNanos; // blocked in send (full buffer): offer the rate again, no burst
            }
            send(seq);
        }
    }

    private void send(long seq) {
        int partition = (int) (seq % partitions);
        byte[] value = new byte[SEQ_CHARS + padding.length];
        byte[] hex = String.format("%016x", seq).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, value, 0, SEQ_CHARS);
        System.arraycopy(padding, 0, value, SEQ_CHARS, padding.length);
        long sentNanos = System.nanoTime();
        try {
            producer.send(new ProducerRecord<>(topic, partition, null, value), (md, e) -> {
                if (e != null) {
                    if (sendErrors.incrementAndGet() <= 5) {
                        firstErrors.add("record " + seq + " on partition " + partition + ": " + e);
                    }
                    return;
                }
                long now = System.nanoTime();
                acked.put(seq, md.offset());
                lastAckNanos.set(partition, now);
                KillMark m = mark;
                if (sentNanos >= m.killNanos()) {
                    m.firstAckNanos().putIfAbsent(partition, now);
                }
            });
            sent.incrementAndGet();
        } catch (RuntimeException e) {
            if (sendErrors.incrementAndGet() <= 5) {
                firstErrors.add("send of record " + seq + ": " + e);
            }
        }
    }

    /** From now on, records sent at or after {@code killNanos} count as sent after this kill. */
    void markKill(long killNanos) {
        mark = new KillMark(killNanos, new ConcurrentHashMap<>());
    }

    /** Per partition, when the first record sent after the last {@link #markKill} was acknowledged (nanoTime). */
    Map<Integer, Long> firstAckAfterKill() {
        return Map.copyOf(mark.firstAckNanos());
    }

    /** True when every partition had a produce acknowledged within the last {@code withinNanos}. */
    boolean allPartitionsServing(long withinNanos) {
        long now = System.nanoTime();
        for (int p = 0; p < partitions; p++) {
            long last = lastAckNanos.get(p);
            if (last == 0 || now - last > withinNanos) {
                return false;
            }
        }
        return true;
    }

    long acknowledged() {
        return acked.size();
    }

    long sendErrors() {
        return sendErrors.get();
    }

    /**
     * Stops producing, waits for what is in flight, then reads every partition from its start to its end offset
     * and compares with what was acknowledged.
     */
    Verification stopAndVerify(String bootstrap, Duration readTimeout) throws InterruptedException {
        stop();
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        cp.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        Map<Long, Long> consumed = new HashMap<>();
        long records = 0;
        long misplaced = 0;
        long duplicates = 0;
        boolean toEnd = false;
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(cp, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(60));
            long deadline = System.nanoTime() + readTimeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    long seq = Long.parseLong(new String(r.value(), 0, SEQ_CHARS, StandardCharsets.US_ASCII), 16);
                    if (seq % partitions != r.partition()) {
                        misplaced++;
                    }
                    if (consumed.put(seq, r.offset()) != null) {
                        duplicates++;
                    }
                }
                if (tps.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                    toEnd = true;
                    break;
                }
            }
        }
        long lost = 0;
        for (Map.Entry<Long, Long> a : acked.entrySet()) {
            Long at = consumed.get(a.getKey());
            if (at == null) {
                lost++;
            } else if (!at.equals(a.getValue())) {
                misplaced++;
            }
        }
        long notAcked = consumed.keySet().stream().filter(s -> !acked.containsKey(s)).count();
        return new Verification(sent.get(), acked.size(), sendErrors.get(), List.copyOf(firstErrors), records, lost,
                misplaced, duplicates, notAcked, toEnd);
    }

    private void stop() throws InterruptedException {
        if (running.getAndSet(false)) {
            sender.join(10_000);
            producer.flush();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        producer.close(Duration.ofSeconds(10));
    }
}
