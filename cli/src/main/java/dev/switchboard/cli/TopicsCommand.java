package dev.switchboard.cli;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "List Switchboard's topics with their partitions, records and the lag of each consumer group reading them.")
final class TopicsCommand implements Callable<Integer> {

    @Option(names = "--all", description = "Also list topics that are not Switchboard's (internal ones included).")
    boolean all;

    @Mixin
    OutputOptions output;

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        boolean json = output.json();
        StackConnection c = new StackConnection(config);
        try (Admin admin = c.clients.admin("switchboard-topics")) {
            List<String> names = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(all))
                    .names().get().stream().filter(t -> all || t.startsWith("llm.") || t.equals("_schemas")).sorted().toList();
            Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            descriptions.values().forEach(d -> d.partitions().forEach(p -> {
                latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                earliest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.earliest());
            }));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = admin.listOffsets(earliest).all().get();

            // Lag of every classic or consumer-protocol group (worker pools included), per topic.
            Map<String, Map<String, Long>> lagByTopic = new TreeMap<>();
            for (ConsumerGroupListing group : admin.listConsumerGroups().all().get()) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group.groupId()).partitionsToOffsetAndMetadata().get();
                committed.forEach((tp, offset) -> {
                    if (offset != null && ends.containsKey(tp)) {
                        lagByTopic.computeIfAbsent(tp.topic(), t -> new TreeMap<>())
                                .merge(group.groupId(), Math.max(0, ends.get(tp).offset() - offset.offset()), Long::sum);
                    }
                });
            }
            List<List<String>> rows = new ArrayList<>();
            for (String name : names) {
                TopicDescription d = descriptions.get(name);
                long records = d.partitions().stream().mapToLong(p -> {
                    TopicPartition tp = new TopicPartition(name, p.partition());
                    return ends.get(tp).offset() - starts.get(tp).offset();
                }).sum();
                String lag = lagByTopic.getOrDefault(name, Map.of()).entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
                rows.add(List.of(name, Integer.toString(d.partitions().size()), Long.toString(records), lag.isEmpty() ? "-" : lag));
            }
            List<String> columns = List.of("TOPIC", "PARTITIONS", "RECORDS", "GROUP LAG");
            if (json) {
                OutputOptions.print(OutputOptions.rows(columns, rows));
            } else {
                System.out.print(output.table(columns, rows, "TOPIC"));
            }
        }
        return 0;
    }
}
