/*
 * ad_num_format_slow: shortest round-trip digits from libdouble-conversion,
 * behind a C interface.
 *
 * The layout follows Python's repr() minus its ".0" on integers: plain
 * decimals for 1e-4 <= |v| < 1e16, otherwise an exponent with a sign and at
 * least two digits ("1e+16", "1.5e-05", "5e-324"), as printf's %g writes
 * it. ad_num_parse, strtod, Python's float() and pandas all read that back.
 * The longest result, "-1.7976931348623157e+308", is 24 bytes plus the NUL.
 *
 * Nothing here allocates or throws: the converter and its output buffer live
 * on the stack and libdouble-conversion reports no errors by exception.
 */
#include <double-conversion/double-conversion.h>
#include <new>

extern "C" {
#include "num.h"
}

size_t ad_num_format_slow(double v, char *buf)
{
	using double_conversion::DoubleToStringConverter;
	using double_conversion::StringBuilder;

	// Constructing the converter only stores its arguments; a static one
	// would need a thread-safe initialization guard for no gain.
	const DoubleToStringConverter conv(
	    DoubleToStringConverter::EMIT_POSITIVE_EXPONENT_SIGN,
	    "inf", "nan", 'e',
	    -4, 16, // decimal notation for exponents in [-4, 16)
	    0, 0,   // padding for precision modes, unused by ToShortest
	    2);     // exponent digits at least, as in printf's %e

	// StringBuilder has a destructor. Were it a plain local, g++ would wrap
	// the library call in an unwinding landing pad that needs libstdc++'s
	// personality routine, and the object could no longer be linked into a
	// C program with just -ldouble-conversion. In raw storage it is never
	// destroyed; Finalize() below is all its destructor would do.
	alignas(StringBuilder) unsigned char storage[sizeof(StringBuilder)];
	StringBuilder *sb = new (storage) StringBuilder(buf, AD_NUM_MAXLEN);

	// Cannot fail: infinity and NaN have symbols, and the buffer is large
	// enough for the longest output.
	conv.ToShortest(v, sb);
	size_t n = static_cast<size_t>(sb->position());
	sb->Finalize();
	return n;
}
