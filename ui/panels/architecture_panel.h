// The model editor: preset chooser, model-wide fields, the layer list and a slider or field for every option
// of the selected layer's mixer (generated from the registry's option schemas). Edits are reported as whole
// new specs, so the main window can validate them and put them on the undo stack.
#pragma once

#include "eigenscope/mixers.h"
#include "eigenscope/model_spec.h"

#include <QWidget>

#include <functional>
#include <vector>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QListWidget;
class QSlider;
class QSpinBox;

namespace eigenscope::ui {

class ArchitecturePanel : public QWidget {
    Q_OBJECT
public:
    explicit ArchitecturePanel(QWidget* parent = nullptr);

    // Shows `spec` without reporting an edit; keeps the widgets (and a slider being dragged) when the layer
    // structure is unchanged.
    void setSpec(const ModelSpec& spec);
    const ModelSpec& spec() const { return spec_; }
    int selectedLayer() const { return selected_; }
    void selectLayer(int layer);
    void setPresetName(const QString& name);
    // The slider of option `name` of the selected layer (tests and the latency benchmark drive it).
    QSlider* optionSlider(const QString& name) const;
    QSlider* widthSlider() const { return widthSlider_; }

Q_SIGNALS:
    // `mergeKey` ≥ 0: consecutive edits with the same key are one undo step (a slider drag).
    void specEdited(const eigenscope::ModelSpec& spec, const QString& description, int mergeKey);
    void presetChosen(const QString& name);

private:
    struct OptionRow {
        OptionSpec option;
        std::function<void(const nlohmann::json&)> show;  // sets the widgets to a value without signals
        QSlider* slider = nullptr;
    };
    void buildModelGroup();
    void buildLayerGroup();
    void rebuildLayerList();
    void rebuildOptions();
    void showValues();
    void edit(const QString& description, int mergeKey, const std::function<void(ModelSpec&)>& change);
    void addOptionRow(const OptionSpec& option);
    nlohmann::json optionValue(const OptionSpec& option) const;

    ModelSpec spec_;
    int selected_ = 0;
    std::vector<MixerDescription> mixers_;
    std::vector<OptionRow> rows_;
    std::string shownMixer_;
    size_t shownLayers_ = 0;

    QComboBox* preset_ = nullptr;
    QSpinBox* width_ = nullptr;
    QSlider* widthSlider_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QComboBox* norm_ = nullptr;
    QComboBox* normPosition_ = nullptr;
    QListWidget* layers_ = nullptr;
    QComboBox* mixerType_ = nullptr;
    QComboBox* channelMixer_ = nullptr;
    QCheckBox* outputGate_ = nullptr;
    QGroupBox* optionsGroup_ = nullptr;
    QFormLayout* optionsForm_ = nullptr;
};

}  // namespace eigenscope::ui
