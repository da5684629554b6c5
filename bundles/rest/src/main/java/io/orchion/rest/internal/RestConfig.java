package io.orchion.rest.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The {@code io.orchion.rest} configuration (conf/io.orchion.rest.cfg). */
@ObjectClassDefinition(name = "Orchion REST API")
@interface RestConfig {
    @AttributeDefinition(description = "browser origins allowed to call the API besides the instance's own, "
            + "comma-separated; * for any. Default: http://localhost:5173, http://127.0.0.1:5173")
    String[] cors_origins() default {};
}
