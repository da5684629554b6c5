package io.orchion.gateway.internal;

import java.io.IOException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import jakarta.servlet.http.HttpServletResponse;

/**
 * Errors as OpenAI's API writes them, which its clients (and the tools built on them) read:
 * {@code {"error": {"message", "type", "param", "code"}}}.
 */
final class OpenAiErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiErrors() {
    }

    /** The error type OpenAI gives each status. */
    static String type(int status) {
        return switch (status) {
            case 400, 404, 405, 413, 415 -> status == 404 ? "not_found_error" : "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            case 503 -> "service_unavailable_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    static byte[] body(int status, String message, String param, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type(status));
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the error unless the response has begun; a client gone meanwhile is no error here. */
    static void send(HttpServletResponse resp, int status, String message, String param, String code) {
        if (resp.isCommitted()) {
            return;
        }
        try {
            resp.resetBuffer();
            resp.setStatus(status);
            resp.setContentType("application/json");
            resp.setCharacterEncoding("UTF-8");
            resp.getOutputStream().write(body(status, message, param, code));
        } catch (IOException | IllegalStateException e) {
            // the client went away
        }
    }
}
