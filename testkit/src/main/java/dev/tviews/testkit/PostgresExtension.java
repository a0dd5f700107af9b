package dev.tviews.testkit;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: injects the JVM's shared {@link PgServer} and a {@link PgDatabase} created for each test
 * class. A server that cannot start fails the test with a message saying what to install; nothing is skipped.
 *
 * <pre>
 * &#64;ExtendWith(PostgresExtension.class)
 * class MyTest {
 *     &#64;Test void works(PgDatabase db) { db.execute("SELECT 1"); }
 * }
 * </pre>
 */
public final class PostgresExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PostgresExtension.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Override
    public void beforeAll(ExtensionContext context) {
        classDatabase(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        Class<?> type = parameter.getParameter().getType();
        return type == PgServer.class || type == PgDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        Class<?> type = parameter.getParameter().getType();
        if (type == PgServer.class) {
            return PgServer.shared();
        }
        if (type == PgDatabase.class) {
            return classDatabase(extension);
        }
        throw new ParameterResolutionException("Unsupported parameter " + type);
    }

    private static PgDatabase classDatabase(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() || classContext.getTestClass().orElse(null) != testClass) {
            classContext = classContext.getParent().orElseThrow();
        }
        return classContext.getStore(NS).getOrComputeIfAbsent("database",
                key -> PgServer.shared().createDatabase(databaseName(testClass)), PgDatabase.class);
    }

    private static String databaseName(Class<?> testClass) {
        String base = testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return (base.length() > 40 ? base.substring(0, 40) : base) + "_" + COUNTER.incrementAndGet();
    }
}
