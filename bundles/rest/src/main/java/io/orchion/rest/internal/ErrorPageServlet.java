package io.orchion.rest.internal;

import java.io.IOException;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletErrorPage;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The whiteboard's error page for every 4xx and 5xx a servlet sends with {@code sendError} and every
 * exception one throws ({@code /api}, {@code /metrics} and the dashboard alike): a problem document
 * with a fixed sentence per status. An exception is logged here with the path, never sent.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletErrorPage(errorPage = { "4xx", "5xx", "java.lang.Throwable" })
@HttpWhiteboardServletName("orchion-errors")
public class ErrorPageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ErrorPageServlet.class);

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object code = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        Object thrown = req.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        int status = code instanceof Integer i && i >= 400 && i < 600 ? i : 500;
        if (thrown instanceof Throwable t) {
            status = 500;
            LOG.warn("{} {}: {}", req.getMethod(), req.getAttribute(RequestDispatcher.ERROR_REQUEST_URI), t.toString(), t);
        }
        Object message = req.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        Json.problem(resp, status, Json.errorDetail(status, thrown == null && message != null ? message.toString() : null));
    }
}
