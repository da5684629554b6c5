package io.orchion.example.hello;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The smallest Orchion plugin: a DS component that says when it comes and goes. */
@Component(immediate = true, service = HelloPlugin.class)
public class HelloPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(HelloPlugin.class);

    @Activate
    void activate() {
        LOG.info("hello plugin: active");
    }

    @Deactivate
    void deactivate() {
        LOG.info("hello plugin: stopped");
    }
}
