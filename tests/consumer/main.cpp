// SPDX-License-Identifier: GPL-3.0-or-later
// The same consumer compiled as C++: the public headers must be C++-clean.
#include "main.c"
