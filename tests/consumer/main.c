/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A consumer of the installed libgenre: compiled via pkg-config, CMake's
 * find_package, as a subproject and as C++ (main.cpp includes this file). */
#include <genre/genre.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    const char *v = genre_version_string();
    printf("consumer linked libgenre %s\n", v);
    if (genre_version_number() != GENRE_VERSION_NUMBER || v == NULL || strlen(v) < 5)
        return 1;
    /* An error round trip through the API, to exercise more than one symbol. */
    return genre_status_name(GENRE_E_NOMEM)[0] == 'G' ? 0 : 1;
}
