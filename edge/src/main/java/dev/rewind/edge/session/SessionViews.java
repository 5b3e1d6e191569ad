package dev.rewind.edge.session;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;
import dev.rewind.protocol.SessionSummary;

/** The JSON shapes of a session in answers (DESIGN §4.1), built from its summary. */
final class SessionViews {

    private SessionViews() {}

    /**
     * The summary as clients see it. {@code owner} is shown to the owner only, and the internal
     * {@code tokens_partition} to nobody.
     */
    static ObjectNode summary(SessionDirectory.Known known, boolean showOwner) {
        ObjectNode view;
        if (known.summary() != null) {
            view = Json.MAPPER.valueToTree(known.summary());
            view.remove("tokens_partition");
        } else {
            // created, but the processor's first summary has not arrived yet
            view = Json.MAPPER.createObjectNode();
            view.put("id", known.id());
            view.put("status", SessionSummary.Status.PENDING.wireName());
            if (known.upstream() != null) {
                view.put("upstream", known.upstream());
            }
            if (known.model() != null) {
                view.put("model", known.model());
            }
            view.put("created_at", known.createdAt().toString());
            view.putArray("attempts");
        }
        if (showOwner && known.owner() != null) {
            view.put("owner", known.owner());
        } else {
            view.remove("owner");
        }
        return view;
    }
}
