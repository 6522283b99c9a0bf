package org.elohim.node.reach;

/** The people (owner ids) whose devices are registered with this node's family. */
@FunctionalInterface
public interface FamilyMembers {
    boolean isMember(String owner);
}
