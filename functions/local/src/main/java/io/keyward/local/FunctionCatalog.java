package io.keyward.local;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.jar.JarFile;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The {@code @FunctionName} methods found in a package, as the Functions runtime would index them from the
 * generated function.json files: HTTP functions by route and methods, timer functions by schedule. One instance
 * per class, as the Java worker keeps.
 */
final class FunctionCatalog {

    /** {@code declaredRoute}: the trigger's route without the host's route prefix. */
    record HttpFunction(String name, Object target, Method method, RouteTemplate route, Set<HttpMethod> methods,
                        String declaredRoute) {
        boolean allows(HttpMethod m) {
            return methods.isEmpty() || methods.contains(m);
        }

        /** Calls the function as the Java worker does; what it throws, the caller gets unwrapped. */
        Object invoke(HttpRequestMessage<?> request, ExecutionContext context) {
            return FunctionCatalog.invoke(target, method, request, context);
        }
    }

    record TimerFunction(String name, Object target, Method method, String schedule) {
        /** Runs the function now, on the caller's thread, with an invocation context of its own. */
        Object fire() {
            return FunctionCatalog.invoke(target, method, null, new LocalHttpMessages.Context(name,
                    UUID.randomUUID().toString(), Logger.getLogger("Function." + name)));
        }
    }

    /** A function method the scan found: its class loaded, not yet instantiated. */
    private record Declaration(String name, Class<?> type, Method method, HttpTrigger http, TimerTrigger timer) {
    }

    /**
     * A scan's result before any function class is instantiated: loading and indexing the classes needs nothing of
     * the application, so {@link LocalFunctionHost#start} does it while the database and the application context
     * start; instantiating them injects the controllers, so it waits for the context.
     */
    static final class Declared {
        private final List<Declaration> functions;
        private final String routePrefix;

        private Declared(List<Declaration> functions, String routePrefix) {
            this.functions = functions;
            this.routePrefix = routePrefix;
        }

        /** One instance per class, as the Java worker keeps. */
        FunctionCatalog instantiate() {
            List<HttpFunction> http = new ArrayList<>();
            Map<String, TimerFunction> timers = new LinkedHashMap<>();
            Map<Class<?>, Object> instances = new LinkedHashMap<>();
            for (Declaration d : functions) {
                Object target = instances.computeIfAbsent(d.type(), FunctionCatalog::instantiate);
                if (d.http() != null) {
                    String route = d.http().route().isEmpty() ? d.name() : d.http().route();
                    http.add(new HttpFunction(d.name(), target, d.method(), RouteTemplate.compile(routePrefix, route),
                            Set.copyOf(Arrays.asList(d.http().methods())), route.replaceAll("^/+", "")));
                } else {
                    timers.put(d.name(), new TimerFunction(d.name(), target, d.method(), d.timer().schedule()));
                }
            }
            // Literal segments win over parameters, left to right, as in ASP.NET routing: "keys/restore" before
            // "keys/{name}", and "keys/{name}/{version}" before "{tenant}/discovery/v2.0/keys".
            http.sort(Comparator.comparing(HttpFunction::route, RouteTemplate::bySpecificity).thenComparing(HttpFunction::name));
            return new FunctionCatalog(List.copyOf(http), Map.copyOf(timers));
        }
    }

    private static final String TIMER_INFO = "{\"Schedule\":{\"AdjustForDST\":true},\"ScheduleStatus\":null,\"IsPastDue\":false}";

    private final List<HttpFunction> http;
    private final Map<String, TimerFunction> timers;
    /**
     * The routes a path can match, by its first segment (lower case): those whose first segment is that literal,
     * and those that start with a parameter, in {@link #http}'s order. A path's first segment found here matches
     * none of the other routes, so a request tries a handful of patterns, not all of them.
     */
    private final Map<String, List<HttpFunction>> byFirstSegment;
    /** Routes that start with a parameter (or are empty): the candidates for a first segment no route names. */
    private final List<HttpFunction> parameterFirst;

    private FunctionCatalog(List<HttpFunction> http, Map<String, TimerFunction> timers) {
        this.http = http;
        this.timers = timers;
        Map<String, List<HttpFunction>> index = new HashMap<>();
        for (HttpFunction f : http) {
            String literal = f.route().firstLiteral();
            if (literal != null) {
                index.computeIfAbsent(literal, k -> new ArrayList<>());
            }
        }
        List<HttpFunction> open = new ArrayList<>();
        for (HttpFunction f : http) {
            String literal = f.route().firstLiteral();
            if (literal == null) {
                open.add(f);
                index.values().forEach(l -> l.add(f));
            } else {
                index.get(literal).add(f);
            }
        }
        index.replaceAll((k, v) -> List.copyOf(v));
        this.byFirstSegment = Map.copyOf(index);
        this.parameterFirst = List.copyOf(open);
    }

    /** Scans {@code packageName} on the class path (directories and jars) for function methods. */
    static Declared scan(String packageName, String routePrefix) {
        return declare(classesIn(packageName), routePrefix);
    }

    static FunctionCatalog of(List<Class<?>> classes, String routePrefix) {
        return declare(classes, routePrefix).instantiate();
    }

    private static Declared declare(List<Class<?>> classes, String routePrefix) {
        List<Declaration> functions = new ArrayList<>();
        for (Class<?> c : classes) {
            for (Method m : c.getMethods()) {
                FunctionName name = m.getAnnotation(FunctionName.class);
                if (name == null) {
                    continue;
                }
                Optional<HttpTrigger> httpTrigger = parameterAnnotation(m, HttpTrigger.class);
                Optional<TimerTrigger> timerTrigger = parameterAnnotation(m, TimerTrigger.class);
                if (httpTrigger.isPresent() || timerTrigger.isPresent()) {
                    functions.add(new Declaration(name.value(), c, m, httpTrigger.orElse(null), timerTrigger.orElse(null)));
                }
                // other triggers (queues, blobs) have no local emulation yet
            }
        }
        return new Declared(List.copyOf(functions), routePrefix);
    }

    List<HttpFunction> http() {
        return http;
    }

    Map<String, TimerFunction> timers() {
        return timers;
    }

    /** Functions whose route matches {@code path}, most specific first (their methods are not checked). */
    List<HttpFunction> routesFor(String path) {
        return candidates(path).stream().filter(f -> f.route().matches(path)).toList();
    }

    /** The most specific function whose route matches {@code path} and that allows {@code method}, or null. */
    HttpFunction route(String path, HttpMethod method) {
        for (HttpFunction f : candidates(path)) {
            if (f.allows(method) && f.route().matches(path)) {
                return f;
            }
        }
        return null;
    }

    private List<HttpFunction> candidates(String path) {
        int start = path.startsWith("/") ? 1 : 0;
        int end = path.indexOf('/', start);
        String first = path.substring(start, end < 0 ? path.length() : end).toLowerCase(Locale.ROOT);
        return byFirstSegment.getOrDefault(first, parameterFirst);
    }

    private static Object invoke(Object target, Method method, HttpRequestMessage<?> request, ExecutionContext context) {
        Parameter[] params = method.getParameters();
        Object[] args = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            Class<?> type = params[i].getType();
            if (HttpRequestMessage.class.isAssignableFrom(type)) {
                args[i] = request;
            } else if (ExecutionContext.class.isAssignableFrom(type)) {
                args[i] = context;
            } else if (params[i].isAnnotationPresent(TimerTrigger.class)) {
                args[i] = TIMER_INFO;
            }
        }
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <A extends Annotation> Optional<A> parameterAnnotation(Method m, Class<A> type) {
        return Arrays.stream(m.getParameters()).map(p -> p.getAnnotation(type)).filter(a -> a != null).findFirst();
    }

    private static Object instantiate(Class<?> c) {
        try {
            return c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot instantiate function class " + c.getName(), e);
        }
    }

    private static List<Class<?>> classesIn(String packageName) {
        String dir = packageName.replace('.', '/');
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Set<String> names = new TreeSet<>();
        try {
            Enumeration<URL> roots = loader.getResources(dir);
            while (roots.hasMoreElements()) {
                URL url = roots.nextElement();
                if (url.getProtocol().equals("file")) {
                    Path root = Path.of(url.toURI());
                    try (Stream<Path> files = Files.walk(root)) {
                        files.map(p -> root.relativize(p).toString().replace('\\', '/'))
                                .filter(n -> n.endsWith(".class"))
                                .forEach(n -> names.add(dir + "/" + n));
                    }
                } else if (url.getProtocol().equals("jar")) {
                    JarURLConnection conn = (JarURLConnection) url.openConnection();
                    conn.setUseCaches(false);
                    try (JarFile jar = conn.getJarFile()) {
                        jar.stream().map(e -> e.getName())
                                .filter(n -> n.startsWith(dir + "/") && n.endsWith(".class"))
                                .forEach(names::add);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<Class<?>> classes = new ArrayList<>();
        for (String n : names.stream().filter(n -> !n.contains("$")).collect(Collectors.toList())) {
            String className = n.substring(0, n.length() - ".class".length()).replace('/', '.');
            try {
                Class<?> c = Class.forName(className, false, loader);
                if (!Modifier.isAbstract(c.getModifiers()) && Modifier.isPublic(c.getModifiers())) {
                    classes.add(c);
                }
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return classes;
    }
}
