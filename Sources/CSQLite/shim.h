#ifndef SLEEVE_CSQLITE_SHIM_H
#define SLEEVE_CSQLITE_SHIM_H

#include <sqlite3.h>

#endif
