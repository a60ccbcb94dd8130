#include "session/model_cache.h"

#include <optional>

namespace eigenscope::ui {

Model ModelCache::get(const ModelSpec& spec, const QString& file, const QString& config, bool init,
                             const std::string& device) {
    const std::string key = device + (init ? "|init|" : "|model|") +
                            (file.isEmpty() ? specToJson(spec).dump() : "file|" + file.toStdString() + "|" + config.toStdString());
    for (auto it = models_.begin(); it != models_.end(); ++it)
        if (it->first == key) {
            models_.splice(models_.end(), models_, it);
            return models_.back().second;
        }
    std::optional<Model> given;
    if (!file.isEmpty()) {
        std::lock_guard lock(adoptedMutex_);
        const auto adopted = adopted_.find(file);
        if (adopted != adopted_.end()) {
            given = adopted->second;
            adopted_.erase(adopted);  // from here on the cache holds it
        }
    }
    Model model = file.isEmpty() ? Model::fromSpec(spec)
                  : given        ? *given
                                 : Model::open(file.toStdString(), OpenOptions{config.toStdString()});
    if (init) model = model.freshlyInitialized();
    model.moveTo(device);
    models_.emplace_back(key, model);
    if (models_.size() > kCapacity) models_.pop_front();
    return model;
}

void ModelCache::adopt(const QString& file, Model model) {
    std::lock_guard lock(adoptedMutex_);
    adopted_.insert_or_assign(file, std::move(model));
}

}  // namespace eigenscope::ui
