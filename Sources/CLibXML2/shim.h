#ifndef GRADER_CLIBXML2_SHIM_H
#define GRADER_CLIBXML2_SHIM_H

// libxml2, reached directly: the JUnit writer (xmlTextWriter) and the XML Schema validator (xmlschemas).
#include <libxml/xmlversion.h>

// Debian builds libxml2 with ICU, so <libxml/encoding.h> includes the system's <unicode/ucnv.h>, whose enums clash
// with the ICU copy Foundation ships (_FoundationICU) as soon as both modules are imported. The ICU part only
// adds fields at the end of xmlCharEncodingHandler, a struct the grader never touches by value, so hide it.
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>

#endif
