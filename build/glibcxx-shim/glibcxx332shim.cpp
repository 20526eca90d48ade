// libLibTorchSharp.so (TorchSharp 0.107) is built with GCC 13 and needs exactly one GLIBCXX_3.4.32 symbol,
// std::ios_base_library_init(). Debian 12 ships libstdc++ 3.4.30, which lacks it. This library supplies it;
// build/TorchNatives.targets links it in only where the system libstdc++ is too old.
#include <ios>

namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}
