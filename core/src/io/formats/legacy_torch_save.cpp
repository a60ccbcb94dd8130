// torch.save files from before PyTorch 1.6 (a bare pickle stream, no zip archive): recognized and refused.
#include "eigenscope/error.h"
#include "io/formats/format.h"
#include "io/formats/signatures.h"

namespace eigenscope::io {

ModelFormat legacyTorchSaveFormat() {
    ModelFormat f;
    f.info = {"legacy torch.save (refused)", "torch.save files written before PyTorch 1.6; not readable", {}, false, ""};
    f.recognizes = [](const std::string& path, const std::string&) { return isLegacyTorchSave(path); };
    f.read = [](const std::string& path, const std::string&) -> ImportedModel {
        throw Error(path + ": a legacy torch.save file (before PyTorch 1.6); load and save it again with a current PyTorch");
    };
    return f;
}

}  // namespace eigenscope::io
