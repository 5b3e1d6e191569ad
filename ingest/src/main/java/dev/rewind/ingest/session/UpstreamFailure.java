package dev.rewind.ingest.session;

import dev.rewind.ingest.retry.UpstreamRetryPolicy;

/** How an upstream call failed, as clients see it in the terminal {@code error} event. */
record UpstreamFailure(String code, String reason, boolean retryable) {

    /** Classifies an HTTP status that arrived instead of a stream. */
    static UpstreamFailure ofStatus(int status) {
        String code = switch (status) {
            case 400, 422 -> "upstream_bad_request";
            case 401, 403 -> "upstream_unauthorized";
            case 404 -> "upstream_not_found";
            case 408, 504 -> "upstream_timeout";
            case 409 -> "upstream_conflict";
            case 429 -> "upstream_rate_limited";
            case 503, 529 -> "upstream_overloaded";
            default -> status >= 500 ? "upstream_error" : "upstream_rejected";
        };
        return new UpstreamFailure(code, "upstream " + status, UpstreamRetryPolicy.RETRYABLE_STATUSES.contains(status));
    }
}
