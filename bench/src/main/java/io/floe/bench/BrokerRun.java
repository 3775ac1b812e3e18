package io.floe.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Everything measured against one broker. {@code error} is set when the broker could not be run at all. */
final class BrokerRun {
    final String label;
    String description = "";
    String error;
    /** Average cores used by processes other than the bench's while this broker was measured; NaN if unknown. */
    double foreignCores = Double.NaN;
    final List<CaseResult> cases = new ArrayList<>();

    BrokerRun(String label) {
        this.label = label;
    }

    Optional<CaseResult> find(String caseId) {
        return cases.stream().filter(c -> c.caseId().equals(caseId)).findFirst();
    }
}
