// The model editor: preset chooser, model-wide fields, the layer list and a slider or field for every option
// of the selected layer's mixer, all generated from core's schemas. Bound to a Session: it shows the session's
// model and hands every edit to it as a whole new spec (the session validates it and puts it on the undo stack).
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

class Session;

class ArchitecturePanel : public QWidget {
    Q_OBJECT
public:
    explicit ArchitecturePanel(Session* session, QWidget* parent = nullptr);

    int selectedLayer() const { return selected_; }
    void selectLayer(int layer);
    // The slider of option `name` of the selected layer (tests and the latency benchmark drive it).
    QSlider* optionSlider(const QString& name) const;
    QSlider* widthSlider() const { return widthSlider_; }
    QString presetName() const;

private:
    // Shows the session's model; keeps the widgets (and a slider being dragged) when the layer structure is
    // unchanged.
    void showModel();
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

    Session* session_;
    ModelSpec spec_;  // the spec shown, as the session last announced it
    int selected_ = 0;
    std::vector<MixerDescription> mixers_;
    std::vector<OptionRow> rows_;
    std::string shownMixer_;
    size_t shownLayers_ = 0;

    QComboBox* preset_ = nullptr;
    QSpinBox* width_ = nullptr;
    QSlider* widthSlider_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QSpinBox* seqLen_ = nullptr;
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
