package dev.rewind.processor.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rewind.protocol.Json;

/**
 * The value a prefix of JSON text stands for so far — tool-call arguments while they stream — with
 * the partial-object semantics of WIRE-FORMATS §6: open strings, arrays and objects are closed; a
 * key without a value and a trailing comma are dropped; an incomplete escape ({@code \}, {@code &#92;u12})
 * or an unpaired high surrogate at the end is dropped; a number is shown only once a delimiter
 * confirms it ({@code 12} may become {@code 123}) and a literal only when complete. Text past a
 * syntax error is ignored, so the snapshot is what was valid up to it.
 *
 * <p>Hand-written: Jackson's parsers (the non-blocking one included) are token-level and stop at
 * the end of input or at an error; none turns a prefix into the value it promises. Numbers are
 * still parsed by Jackson, so a snapshot's numbers have the types of the final parse.
 */
public final class PartialJson {

    private static final ObjectReader STRICT = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String text;
    private int pos;

    private PartialJson(String text) {
        this.text = text;
    }

    /** The value {@code text} stands for so far, or null when nothing of it can be shown yet. */
    public static JsonNode repair(String text) {
        return new PartialJson(text).value().node;
    }

    /** The complete JSON value {@code text} is, or null when it is not exactly one (nothing may follow it). */
    public static JsonNode parseComplete(String text) {
        try {
            JsonNode node = STRICT.readTree(text);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** A parsed piece: its node (null: nothing to show) and whether the text closed it. */
    private record Piece(JsonNode node, boolean complete) {
        static final Piece NOTHING = new Piece(null, false);
    }

    private Piece value() {
        skipWhitespace();
        if (atEnd()) {
            return Piece.NOTHING;
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", NODES.booleanNode(true));
            case 'f' -> literal("false", NODES.booleanNode(false));
            case 'n' -> literal("null", NODES.nullNode());
            default -> c == '-' || c >= '0' && c <= '9' ? number() : stop();
        };
    }

    private Piece object() {
        ObjectNode object = NODES.objectNode();
        pos++;
        while (true) {
            skipWhitespace();
            if (atEnd()) {
                return new Piece(object, false);
            }
            if (text.charAt(pos) == '}') {
                pos++;
                return new Piece(object, true);
            }
            if (text.charAt(pos) != '"') {
                stop();
                return new Piece(object, false);
            }
            Piece key = string();
            skipWhitespace();
            if (!key.complete || atEnd() || text.charAt(pos) != ':') {
                stop(); // a key without its value (yet) is dropped
                return new Piece(object, false);
            }
            pos++;
            Piece member = value();
            if (member.node != null) {
                object.set(key.node.textValue(), member.node);
            }
            if (!member.complete || !separator('}')) {
                return new Piece(object, member.complete && closed('}'));
            }
        }
    }

    private Piece array() {
        ArrayNode array = NODES.arrayNode();
        pos++;
        while (true) {
            skipWhitespace();
            if (atEnd()) {
                return new Piece(array, false);
            }
            if (text.charAt(pos) == ']') {
                pos++;
                return new Piece(array, true);
            }
            Piece element = value();
            if (element.node != null) {
                array.add(element.node);
            }
            if (!element.complete || !separator(']')) {
                return new Piece(array, element.complete && closed(']'));
            }
        }
    }

    /** After a member: true on a comma (another follows); false at the end, at the closing bracket or at an error. */
    private boolean separator(char close) {
        skipWhitespace();
        if (!atEnd() && text.charAt(pos) == ',') {
            pos++;
            return true;
        }
        if (!atEnd() && text.charAt(pos) != close) {
            stop();
        }
        return false;
    }

    /** Consumes {@code close} when it is next; true if it was. */
    private boolean closed(char close) {
        if (!atEnd() && text.charAt(pos) == close) {
            pos++;
            return true;
        }
        return false;
    }

    private Piece string() {
        StringBuilder value = new StringBuilder();
        pos++;
        while (!atEnd()) {
            char c = text.charAt(pos);
            if (c == '"') {
                pos++;
                return new Piece(NODES.textNode(value.toString()), true);
            }
            if (c != '\\') {
                value.append(c);
                pos++;
                continue;
            }
            if (pos + 1 >= text.length()) {
                break; // a lone backslash at the end: an incomplete escape, dropped
            }
            char escape = text.charAt(pos + 1);
            if (escape == 'u') {
                if (pos + 6 > text.length()) {
                    break; // \\u with fewer than four digits so far
                }
                int code = hex(text, pos + 2);
                if (code < 0) {
                    stop();
                    break;
                }
                value.append((char) code);
                pos += 6;
                continue;
            }
            char decoded = switch (escape) {
                case '"', '\\', '/' -> escape;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                default -> 0;
            };
            if (decoded == 0) {
                stop();
                break;
            }
            value.append(decoded);
            pos += 2;
        }
        pos = text.length();
        if (!value.isEmpty() && Character.isHighSurrogate(value.charAt(value.length() - 1))) {
            value.setLength(value.length() - 1); // its low half has not arrived
        }
        return new Piece(NODES.textNode(value.toString()), false);
    }

    private Piece literal(String word, JsonNode node) {
        int available = Math.min(word.length(), text.length() - pos);
        if (!text.regionMatches(pos, word, 0, available)) {
            return stop();
        }
        if (available < word.length()) {
            pos = text.length();
            return Piece.NOTHING;
        }
        pos += word.length();
        return new Piece(node, true);
    }

    /** A number counts only once a character after it confirms its end. */
    private Piece number() {
        int start = pos;
        while (!atEnd() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        if (atEnd()) {
            return Piece.NOTHING;
        }
        JsonNode number = parseComplete(text.substring(start, pos));
        return number != null && number.isNumber() ? new Piece(number, true) : stop();
    }

    /** A syntax error: nothing after this point counts. */
    private Piece stop() {
        pos = text.length();
        return Piece.NOTHING;
    }

    private void skipWhitespace() {
        while (!atEnd() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private boolean atEnd() {
        return pos >= text.length();
    }

    private static int hex(String text, int from) {
        int code = 0;
        for (int i = from; i < from + 4; i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0) {
                return -1;
            }
            code = code * 16 + digit;
        }
        return code;
    }
}
