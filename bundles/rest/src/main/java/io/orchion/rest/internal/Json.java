package io.orchion.rest.internal;

import java.io.IOException;
import java.util.List;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Writes bodies in the protobuf JSON mapping, so REST and gRPC share one schema ({@code orchion.v1}).
 * Errors are {@code application/problem+json} (RFC 9457).
 */
final class Json {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().alwaysPrintFieldsWithNoPresence()
            .omittingInsignificantWhitespace();

    private Json() {
    }

    static void write(HttpServletResponse resp, MessageOrBuilder message) throws IOException {
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(PRINTER.print(message));
    }

    static void writeArray(HttpServletResponse resp, List<? extends MessageOrBuilder> messages) throws IOException {
        StringBuilder sb = new StringBuilder("[");
        for (MessageOrBuilder m : messages) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            sb.append(print(m));
        }
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(sb.append(']').toString());
    }

    static String print(MessageOrBuilder m) throws InvalidProtocolBufferException {
        return PRINTER.print(m);
    }

    static void problem(HttpServletResponse resp, int status, String detail) throws IOException {
        problem(resp, status, title(status), detail);
    }

    static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 429 -> "Too Many Requests";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 431 -> "Request Header Fields Too Large";
            case 503 -> "Service Unavailable";
            default -> status >= 500 ? "Internal Server Error" : "Error";
        };
    }

    static void problem(HttpServletResponse resp, int status, String title, String detail) throws IOException {
        errorDocument(resp, status, "application/problem+json", problemJson(status, title, detail));
    }

    /** An error answer in place of whatever was buffered, unless the answer has begun. */
    private static void errorDocument(HttpServletResponse resp, int status, String contentType, String body)
            throws IOException {
        if (resp.isCommitted()) {
            return;
        }
        resp.resetBuffer();
        resp.setStatus(status);
        resp.setContentType(contentType);
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(body);
    }

    /**
     * An error for {@code req}: in OpenAI's shape for the model gateway's routes ({@code /v1/...}),
     * whose clients read that shape, and a problem document everywhere else. The shape only: the
     * route, role and audit were decided on the canonical path.
     */
    static void error(HttpServletRequest req, HttpServletResponse resp, int status, String title, String detail)
            throws IOException {
        if (req.getRequestURI().startsWith("/v1/")) {
            errorDocument(resp, status, "application/json", openAiJson(status, detail));
        } else {
            problem(resp, status, title, detail);
        }
    }

    /** OpenAI's error document: {@code {"error": {"message", "type", "param", "code"}}}. */
    static String openAiJson(int status, String message) {
        String type = switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
        String code = status == 401 ? quote("invalid_api_key") : "null";
        return "{\"error\":{\"message\":" + quote(message) + ",\"type\":" + quote(type) + ",\"param\":null,\"code\":"
                + code + "}}";
    }

    /** An RFC 9457 problem document. */
    static String problemJson(int status, String title, String detail) {
        return "{\"type\":\"about:blank\",\"title\":" + quote(title) + ",\"status\":" + status + ",\"detail\":"
                + quote(detail) + "}";
    }

    /** Reasons the server itself gives are short phrases ("Ambiguous URI path segment"); anything else is not shown. */
    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z0-9 ,:'()-]{1,80}");

    /**
     * What went wrong, for an error the container answers (a protocol error, a servlet's
     * {@code sendError}, an exception): a fixed sentence per status, with the container's reason
     * only where it is a plain phrase. Never an exception's name or message.
     */
    static String errorDetail(int status, String reason) {
        String plain = reason != null && PLAIN.matcher(reason).matches() && !reason.contains("Exception")
                && !reason.contains("Error") ? reason : null;
        return switch (status) {
            case 414 -> "the request line (method, path and query) is longer than this server reads";
            case 431 -> "the request's headers are larger than this server reads";
            case 400 -> "the request cannot be read" + (plain == null ? "" : ": " + plain);
            default -> status >= 500 ? "the server failed to answer this request; its log has the cause"
                    : plain == null ? title(status) : plain;
        };
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
