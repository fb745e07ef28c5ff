/*
 * Test fixture, never shipped: a stand-in for Windows 10's bcryptprimitives.dll,
 * which Wine 8.0 lacks. Go 1.22+ programs call its ProcessPrng before main;
 * this one draws the bytes from RtlGenRandom (advapi32 SystemFunction036).
 * scripts/test-windows.sh builds it with mingw into the test prefix's system32.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}
