package io.orchion.rest.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's answer to what never reaches a servlet: a request line longer than the server reads
 * (414), headers too large (431), a malformed or ambiguous request (400), and a failure no servlet
 * answered (500). Each is an {@code application/problem+json} document naming the status and the
 * trouble in a fixed sentence; never an exception or a stack, whatever the request accepts.
 */
public final class ProblemErrorHandler extends ErrorHandler {
    static byte[] body(int status, String reason) {
        return Json.problemJson(status, Json.title(status), Json.errorDetail(status, reason)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true; // every method gets the document, not only GET, POST and HEAD
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) throws IOException {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/problem+json");
        return ByteBuffer.wrap(body(status, reason));
    }
}
