package io.orchion.shell.internal;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import io.orchion.api.Orchion;

/** {@code orchion:plugins}: the plugin bundles present and their state. */
@Component(service = PluginCommands.class, property = { "osgi.command.scope=orchion",
        "osgi.command.function=plugins" })
public class PluginCommands {
    /** Framework property the launcher sets: the hot-deploy folder. */
    static final String BUNDLES_DIR = "orchion.bundles.dir";

    private final BundleContext context;

    @Activate
    public PluginCommands(BundleContext context) {
        this.context = context;
    }

    @Descriptor("list plugin bundles (those marked Orchion-Plugin, and anything dropped into bundles/) and their state")
    public Views.PluginList plugins() {
        String dir = context.getProperty(BUNDLES_DIR);
        Path hotDir = dir == null ? null : Path.of(dir).toAbsolutePath().normalize();
        List<Views.Plugin> plugins = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            String kind = b.getHeaders().get(Orchion.PLUGIN_HEADER);
            Path file = file(b.getLocation());
            boolean hot = hotDir != null && file != null && file.startsWith(hotDir);
            if (kind == null && !hot) {
                continue;
            }
            plugins.add(new Views.Plugin(b.getBundleId(), b.getSymbolicName(), b.getVersion().toString(), state(b),
                    kind == null ? "bundle" : kind, hot ? "bundles/" + file.getFileName() : "system"));
        }
        return new Views.PluginList(plugins);
    }

    /** The file behind a bundle location such as {@code file:/opt/orchion/bundles/x.jar}, or null. */
    static Path file(String location) {
        try {
            return location.startsWith("file:") ? Path.of(URI.create(location)).toAbsolutePath().normalize() : null;
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return null;
        }
    }

    static String state(Bundle b) {
        return switch (b.getState()) {
            case Bundle.ACTIVE -> "ACTIVE";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.INSTALLED -> "INSTALLED (unresolved)";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            default -> "UNINSTALLED";
        };
    }
}
