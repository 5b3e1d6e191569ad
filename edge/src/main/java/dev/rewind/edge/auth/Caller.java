package dev.rewind.edge.auth;

import dev.rewind.protocol.token.ReadToken;

/** Who asks about a session: its owner (by API key) or a holder of its read token. */
public sealed interface Caller {

    /** An API key's owner id; whether it owns the session is the store's answer. */
    record Owner(String id) implements Caller {}

    /** A verified read token of exactly this session. */
    record Reader(ReadToken token) implements Caller {}
}
