package dev.switchboard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.cli.bench.PlannerRestart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "restart", mixinStandardHelpOptions = true,
        description = {"How long a restarted planner takes to get its learned state back, with a checkpoint and without.",
                "On an in-process broker of its own, writes a history of --requests plans and attempts (and scores for "
                        + "--score-share of them), lets a planner learn it and checkpoint it to llm.planner-state, then times a "
                        + "planner started from that checkpoint and one that replays the log (--no-baseline skips it), until each "
                        + "is ready, and compares their estimates for probe prompts with the first planner's. Ends with one line of JSON."})
final class BenchRestartCommand implements Callable<Integer> {

    @Option(names = "--requests", paramLabel = "N", defaultValue = "400000",
            description = "Requests in the history, each a plan and an attempt (default: ${DEFAULT-VALUE}).")
    int requests;
    @Option(names = "--score-share", paramLabel = "S", defaultValue = "0.5",
            description = "Share of the requests with a score on llm.feedback (default: ${DEFAULT-VALUE}: 1,000,000 records in all).")
    double scoreShare;
    @Option(names = "--prompts", paramLabel = "N", defaultValue = "1000",
            description = "Distinct prompts the history cycles through (default: ${DEFAULT-VALUE}).")
    int prompts;
    @Option(names = "--baseline", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also time a planner that replays the log without a checkpoint (default: on).")
    boolean baseline;

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || prompts < 1 || !(scoreShare > 0 && scoreShare <= 1)) {
            throw new CliException("--requests and --prompts must be at least 1 and --score-share in (0, 1]", 2);
        }
        ProgressBar bar = new ProgressBar(System.err);
        String[] stage = {""};
        PlannerRestart.Result result = PlannerRestart.run(requests, scoreShare, prompts, baseline, (what, done) -> {
            if (!what.equals(stage[0])) {
                if (!stage[0].isEmpty()) {
                    bar.finish();
                }
                stage[0] = what;
                System.err.println(what + " …");
            }
            if (done[1] > 0) {
                bar.update((int) done[0], (int) done[1]);
            }
        });
        bar.finish();
        List<List<String>> rows = new ArrayList<>();
        for (PlannerRestart.Restart r : result.restarts()) {
            rows.add(List.of(r.how(), String.format(Locale.ROOT, "%.2f s", r.readyMs() / 1000.0), String.format(Locale.ROOT, "%,d", r.recordsRead()),
                    String.format(Locale.ROOT, "%.1e", r.maxEstimateDifference()), String.format(Locale.ROOT, "$%.6f", r.spentUsd())));
        }
        System.out.print(Table.of(List.of("planner started", "ready after", "records read", "largest estimate difference", "spend today"), rows));
        System.out.printf(Locale.ROOT, "%nhistory: %,d requests (%,d records: plans, attempts and %,d scores, $%.6f spent), learnt "
                        + "by the first planner in %.1f s; %d cores, Java %s%n", result.requests(), result.records(), result.scores(),
                result.spentUsd(), result.learnt().toMillis() / 1000.0, Runtime.getRuntime().availableProcessors(), Runtime.version());
        ObjectMapper json = new ObjectMapper();
        ObjectNode summary = json.createObjectNode();
        summary.put("requests", result.requests());
        summary.put("records", result.records());
        summary.put("scores", result.scores());
        summary.put("spentUsd", result.spentUsd());
        ArrayNode restarts = summary.putArray("restarts");
        for (PlannerRestart.Restart r : result.restarts()) {
            restarts.addObject().put("how", r.how()).put("readyMs", r.readyMs()).put("recordsRead", r.recordsRead())
                    .put("maxEstimateDifference", r.maxEstimateDifference()).put("spentUsd", r.spentUsd());
        }
        System.out.println(json.writeValueAsString(summary));
        return 0;
    }
}
