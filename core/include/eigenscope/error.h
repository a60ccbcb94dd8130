// The one exception type of the core library: its message names the file, field or parameter at fault.
#pragma once

#include <stdexcept>
#include <string>

namespace eigenscope {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace eigenscope
