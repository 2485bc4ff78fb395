#ifndef SLEEVE_CSYSTEMSHIMS_H
#define SLEEVE_CSYSTEMSHIMS_H

#include <spawn.h>

// glibc 2.34 and later provide this function but declare it only under _GNU_SOURCE, which would change other
// system structures seen by Swift, so the prototype is repeated here.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int lowest);

/// Adds an action that closes every descriptor from `lowest` upwards in the spawned child.
static inline int sleeve_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

#endif
