#include "state/id_generator.hpp"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace athena {

std::string IdGenerator::next_uuid() {
    std::lock_guard lock(mu_);
    boost::uuids::basic_random_generator<std::mt19937_64> gen(&engine_);
    return boost::uuids::to_string(gen());
}

}  // namespace athena
