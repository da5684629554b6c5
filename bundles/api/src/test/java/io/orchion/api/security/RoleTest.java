package io.orchion.api.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.orchion.api.InvalidArgumentException;

/** Who may do what: the three nested roles, and inference beside them. */
class RoleTest {
    @Test
    void viewerOperatorAndAdminEachIncludeTheOnesBelow() {
        assertTrue(Role.ADMIN.allows(Role.OPERATOR) && Role.ADMIN.allows(Role.VIEWER) && Role.OPERATOR.allows(Role.VIEWER));
        assertFalse(Role.VIEWER.allows(Role.OPERATOR) || Role.OPERATOR.allows(Role.ADMIN) || Role.VIEWER.allows(Role.ADMIN));
    }

    @Test
    void inferenceMayCallModelsAndNothingElse() {
        assertTrue(Role.INFERENCE.allows(Role.INFERENCE));
        for (Role r : new Role[] { Role.VIEWER, Role.OPERATOR, Role.ADMIN }) {
            assertFalse(Role.INFERENCE.allows(r), "inference allows " + r);
        }
    }

    @Test
    void operatorsAndAdminsMayCallModelsButViewersMayNot() {
        assertTrue(Role.OPERATOR.allows(Role.INFERENCE));
        assertTrue(Role.ADMIN.allows(Role.INFERENCE));
        assertFalse(Role.VIEWER.allows(Role.INFERENCE));
    }

    @Test
    void rolesAreParsedByTheirLabels() {
        assertEquals(Role.INFERENCE, Role.parse("--role", " Inference "));
        assertEquals("--role: 'guest' is not a role; use admin, operator, viewer or inference",
                assertThrows(InvalidArgumentException.class, () -> Role.parse("--role", "guest")).getMessage());
    }
}
