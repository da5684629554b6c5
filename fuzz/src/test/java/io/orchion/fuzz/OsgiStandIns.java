package io.orchion.fuzz;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * OSGi plumbing for running the real components without a framework: a {@link BundleContext}
 * that answers framework properties from a map, has no bundles and records services registered
 * by hand; configuration annotations with their defaults; and the field and method injection that
 * Declarative Services would do. Nothing here is under test.
 */
final class OsgiStandIns {
    private OsgiStandIns() {
    }

    /** A context whose {@code getProperty} reads {@code properties}; {@code registerService} adds to {@code services}. */
    static BundleContext bundleContext(Map<String, String> properties, List<Object> services) {
        return (BundleContext) Proxy.newProxyInstance(OsgiStandIns.class.getClassLoader(),
                new Class<?>[] { BundleContext.class }, (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> properties.get((String) args[0]);
                    case "getBundles" -> new Bundle[0];
                    case "registerService" -> {
                        services.add(args[1]);
                        yield Proxy.newProxyInstance(OsgiStandIns.class.getClassLoader(),
                                new Class<?>[] { ServiceRegistration.class }, (p, m, a) -> null);
                    }
                    case "toString" -> "fuzz BundleContext";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }

    /** A configuration annotation (metatype {@code @ObjectClassDefinition}) holding its defaults. */
    static Object config(Class<?> type) {
        return config(type, Map.of());
    }

    /** As {@link #config(Class)}, with the values in {@code values} (by method name) instead of their defaults. */
    static Object config(Class<?> type, Map<String, Object> values) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (proxy, method, args) -> {
            if (values.containsKey(method.getName())) {
                return values.get(method.getName());
            }
            if (method.getDefaultValue() != null) {
                return method.getDefaultValue();
            }
            return switch (method.getName()) {
                case "annotationType" -> type;
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> type.getSimpleName() + " (defaults)";
            };
        });
    }

    /** Sets a field, as DS does for a field {@code @Reference}. */
    static void inject(Object target, String field, Object value) {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(field);
                f.setAccessible(true);
                f.set(target, value);
                return;
            } catch (NoSuchFieldException e) {
                // look in the superclass
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no field " + field + " in " + target.getClass());
    }

    /** Calls a (package-private) method by name, as DS calls bind, activate and deactivate methods. */
    static Object call(Object target, String name, Object... args) {
        for (Method m : target.getClass().getDeclaredMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                try {
                    m.setAccessible(true);
                    return m.invoke(target, args);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                } catch (InvocationTargetException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
        }
        throw new IllegalStateException("no method " + name + " in " + target.getClass());
    }
}
