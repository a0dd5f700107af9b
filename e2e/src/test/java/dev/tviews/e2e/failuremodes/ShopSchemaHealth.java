package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;

final class ShopSchemaHealth {

    private ShopSchemaHealth() {
    }

    static void assertNoError(PgDatabase db) {
        assertThat(Docs.health(db)).allSatisfy((component, row) -> assertThat(row).as(component).doesNotStartWith("ERROR"));
    }
}
