#include "panels/architecture_panel.h"

#include "eigenscope/presets.h"
#include "session/session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

#include <cmath>

namespace eigenscope::ui {

namespace {

constexpr int kSliderSteps = 1000;
constexpr int kWidthMergeKey = 1, kSeedMergeKey = 2, kSeqLenMergeKey = 3;
constexpr int kOptionMergeKeyBase = 1000;

// Slider positions map to values linearly, or logarithmically when the range spans two decades or more.
struct SliderScale {
    double lo, hi;
    bool log;
    bool integer;
    explicit SliderScale(const OptionSpec& o)
        : lo(o.min), hi(o.max), log(o.min > 0 && o.max / o.min >= 100), integer(o.kind == OptionSpec::Kind::Int) {}
    int steps() const { return integer && !log && hi - lo <= kSliderSteps ? int(hi - lo) : kSliderSteps; }
    double value(int position) const {
        const double f = double(position) / steps();
        const double v = log ? std::exp(std::log(lo) + f * (std::log(hi) - std::log(lo))) : lo + f * (hi - lo);
        return integer ? std::round(v) : v;
    }
    int position(double v) const {
        const double f = log ? (std::log(std::max(v, lo)) - std::log(lo)) / (std::log(hi) - std::log(lo)) : (v - lo) / (hi - lo);
        return int(std::lround(std::clamp(f, 0.0, 1.0) * steps()));
    }
};

// A combo box of a schema field's choices, each with the field's help as its tooltip.
QComboBox* comboOf(const std::vector<OptionSpec>& schema, const std::string& name, QWidget* parent) {
    auto* combo = new QComboBox(parent);
    for (const auto& field : schema)
        if (field.name == name) {
            for (const auto& choice : field.choices) combo->addItem(QString::fromStdString(choice));
            combo->setToolTip(QString::fromStdString(field.help));
        }
    return combo;
}

}  // namespace

ArchitecturePanel::ArchitecturePanel(Session* session, QWidget* parent)
    : QWidget(parent), session_(session), mixers_(listMixers()) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* presetRow = new QHBoxLayout;
    presetRow->addWidget(new QLabel(tr("Preset"), this));
    preset_ = new QComboBox(this);
    preset_->addItem(tr("(custom)"));
    for (const auto& p : listPresets()) {
        preset_->addItem(QString::fromStdString(p.name));
        preset_->setItemData(preset_->count() - 1, QString::fromStdString(p.description), Qt::ToolTipRole);
    }
    presetRow->addWidget(preset_, 1);
    layout->addLayout(presetRow);
    preset_->setToolTip(tr("A built-in model; choosing one replaces the current model (undoable)"));
    connect(preset_, &QComboBox::activated, this, [this](int index) {
        if (index > 0) session_->openModel(QStringLiteral("preset:") + preset_->itemText(index));
        else showModel();
    });
    buildModelGroup();
    buildLayerGroup();
    optionsGroup_ = new QGroupBox(tr("Mixer options"), this);
    optionsForm_ = new QFormLayout(optionsGroup_);
    optionsForm_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    layout->addWidget(optionsGroup_);
    layout->addStretch(1);
    connect(session_, &Session::modelChanged, this, &ArchitecturePanel::showModel);
    showModel();
}

void ArchitecturePanel::buildModelGroup() {
    auto* group = new QGroupBox(tr("Model"), this);
    auto* form = new QFormLayout(group);
    width_ = new QSpinBox(group);
    width_->setRange(4, 4096);
    widthSlider_ = new QSlider(Qt::Horizontal, group);
    widthSlider_->setRange(4, 512);
    auto* widthRow = new QHBoxLayout;
    widthRow->addWidget(widthSlider_, 1);
    widthRow->addWidget(width_);
    for (QWidget* w : {static_cast<QWidget*>(width_), static_cast<QWidget*>(widthSlider_)})
        w->setToolTip(tr("Model width d_model (the embedding and every block)"));
    form->addRow(tr("d_model"), widthRow);
    const auto setWidth = [this](int v) {
        if (v != spec_.dModel) edit(tr("d_model = %1").arg(v), kWidthMergeKey, [v](ModelSpec& s) { s.dModel = v; });
    };
    connect(width_, &QSpinBox::valueChanged, this, setWidth);
    connect(widthSlider_, &QSlider::valueChanged, this, setWidth);
    seed_ = new QSpinBox(group);
    seed_->setRange(0, 1 << 30);
    seed_->setToolTip(tr("Seed of the initialization"));
    form->addRow(tr("seed"), seed_);
    seqLen_ = new QSpinBox(group);
    for (const auto& field : modelFieldSchema())
        if (field.name == "seq_len") {
            seqLen_->setRange(int(field.min), int(field.max));
            seqLen_->setToolTip(QString::fromStdString(field.help));
        }
    form->addRow(tr("seq_len"), seqLen_);
    connect(seqLen_, &QSpinBox::valueChanged, this,
            [this](int v) { edit(tr("seq_len = %1").arg(v), kSeqLenMergeKey, [v](ModelSpec& s) { s.seqLen = v; }); });
    connect(seed_, &QSpinBox::valueChanged, this,
            [this](int v) { edit(tr("seed = %1").arg(v), kSeedMergeKey, [v](ModelSpec& s) { s.seed = uint64_t(v); }); });
    norm_ = comboOf(modelFieldSchema(), "norm", group);
    form->addRow(tr("norm"), norm_);
    connect(norm_, &QComboBox::activated, this, [this](int) {
        const auto v = norm_->currentText().toStdString();
        edit(tr("norm = %1").arg(norm_->currentText()), -1, [v](ModelSpec& s) { s.norm = v; });
    });
    normPosition_ = comboOf(modelFieldSchema(), "norm_position", group);
    form->addRow(tr("norm position"), normPosition_);
    connect(normPosition_, &QComboBox::activated, this, [this](int) {
        const auto v = normPosition_->currentText().toStdString();
        edit(tr("norm position = %1").arg(normPosition_->currentText()), -1, [v](ModelSpec& s) { s.normPosition = v; });
    });
    layout()->addWidget(group);
}

void ArchitecturePanel::buildLayerGroup() {
    auto* group = new QGroupBox(tr("Layers"), this);
    auto* box = new QVBoxLayout(group);
    layers_ = new QListWidget(group);
    layers_->setMaximumHeight(110);
    box->addWidget(layers_);
    auto* buttons = new QHBoxLayout;
    const auto button = [&](const QString& text, const QString& tip) {
        auto* b = new QPushButton(text, group);
        b->setToolTip(tip);
        buttons->addWidget(b);
        return b;
    };
    auto* add = button(tr("Add"), tr("Insert a copy of the selected layer after it"));
    auto* remove = button(tr("Remove"), tr("Remove the selected layer"));
    auto* up = button(tr("Up"), tr("Move the selected layer up"));
    auto* down = button(tr("Down"), tr("Move the selected layer down"));
    box->addLayout(buttons);
    auto* form = new QFormLayout;
    mixerType_ = new QComboBox(group);
    for (const auto& m : mixers_) {
        mixerType_->addItem(QString::fromStdString(m.key));
        mixerType_->setItemData(mixerType_->count() - 1, QString::fromStdString(m.summary), Qt::ToolTipRole);
    }
    mixerType_->addItem(QString::fromLatin1(kNoMixer));
    mixerType_->setItemData(mixerType_->count() - 1,
                            tr("no sequence mixer: the layer is its channel mixer alone (Nemotron-H's MLP layers)"),
                            Qt::ToolTipRole);
    mixerType_->setToolTip(tr("The selected layer's sequence mixer (eigenscope-cli mixers lists them)"));
    form->addRow(tr("mixer"), mixerType_);
    channelMixer_ = comboOf(blockFieldSchema(), "channel_mixer", group);
    form->addRow(tr("channel mixer"), channelMixer_);
    outputGate_ = new QCheckBox(tr("SiLU output gate"), group);
    outputGate_->setToolTip(tr("out = (x + y)·SiLU(W_z x)"));
    form->addRow(QString(), outputGate_);
    box->addLayout(form);
    layout()->addWidget(group);

    connect(layers_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && row != selected_) {
            selected_ = row;
            rebuildOptions();
            showValues();
        }
    });
    connect(add, &QPushButton::clicked, this, [this] {
        edit(tr("add layer"), -1, [this](ModelSpec& s) { s.blocks.insert(s.blocks.begin() + selected_ + 1, s.blocks[size_t(selected_)]); });
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (spec_.blocks.size() > 1)
            edit(tr("remove layer %1").arg(selected_), -1, [this](ModelSpec& s) { s.blocks.erase(s.blocks.begin() + selected_); });
    });
    const auto move = [this](int delta) {
        const int to = selected_ + delta;
        if (to < 0 || to >= int(spec_.blocks.size())) return;
        const int from = selected_;
        edit(tr("move layer %1").arg(from), -1, [from, to](ModelSpec& s) { std::swap(s.blocks[size_t(from)], s.blocks[size_t(to)]); });
        selectLayer(to);
    };
    connect(up, &QPushButton::clicked, this, [move] { move(-1); });
    connect(down, &QPushButton::clicked, this, [move] { move(+1); });
    connect(mixerType_, &QComboBox::activated, this, [this](int) {
        const auto type = mixerType_->currentText().toStdString();
        edit(tr("layer %1 mixer = %2").arg(selected_).arg(mixerType_->currentText()), -1, [this, type](ModelSpec& s) {
            s.blocks[size_t(selected_)].mixer = MixerSpec{type, nlohmann::json::object()};
        });
    });
    connect(channelMixer_, &QComboBox::activated, this, [this](int) {
        const auto v = channelMixer_->currentText().toStdString();
        edit(tr("layer %1 channel mixer = %2").arg(selected_).arg(channelMixer_->currentText()), -1,
             [this, v](ModelSpec& s) { s.blocks[size_t(selected_)].channelMixer = v; });
    });
    connect(outputGate_, &QCheckBox::toggled, this, [this](bool on) {
        edit(tr("layer %1 output gate %2").arg(selected_).arg(on ? tr("on") : tr("off")), -1,
             [this, on](ModelSpec& s) { s.blocks[size_t(selected_)].outputGate = on; });
    });
}

void ArchitecturePanel::edit(const QString& description, int mergeKey, const std::function<void(ModelSpec&)>& change) {
    ModelSpec next = spec_;
    change(next);
    session_->editSpec(next, description, mergeKey);
}

QString ArchitecturePanel::presetName() const { return preset_->currentIndex() > 0 ? preset_->currentText() : QString(); }

void ArchitecturePanel::selectLayer(int layer) {
    if (layer < 0 || layer >= int(spec_.blocks.size())) return;
    selected_ = layer;
    const QSignalBlocker block(layers_);
    layers_->setCurrentRow(layer);
    rebuildOptions();
    showValues();
}

void ArchitecturePanel::showModel() {
    {
        const QSignalBlocker block(preset_);
        const int index = preset_->findText(session_->model().preset);
        preset_->setCurrentIndex(index > 0 ? index : 0);
    }
    spec_ = session_->spec();
    selected_ = std::clamp(selected_, 0, std::max(0, int(spec_.blocks.size()) - 1));
    rebuildLayerList();
    if (spec_.blocks.empty()) return;
    if (spec_.blocks[size_t(selected_)].mixer.type != shownMixer_) rebuildOptions();
    showValues();
}

void ArchitecturePanel::rebuildLayerList() {
    const QSignalBlocker block(layers_);
    if (layers_->count() != int(spec_.blocks.size())) {
        layers_->clear();
        for (size_t i = 0; i < spec_.blocks.size(); ++i) layers_->addItem(QString());
    }
    for (size_t i = 0; i < spec_.blocks.size(); ++i) {
        const auto& b = spec_.blocks[i];
        layers_->item(int(i))->setText(QStringLiteral("%1: %2%3").arg(i).arg(QString::fromStdString(b.mixer.type))
                                           .arg(b.channelMixer == "none" ? QString() : " + " + QString::fromStdString(b.channelMixer)));
    }
    layers_->setCurrentRow(selected_);
    shownLayers_ = spec_.blocks.size();
}

nlohmann::json ArchitecturePanel::optionValue(const OptionSpec& option) const {
    const auto& options = spec_.blocks[size_t(selected_)].mixer.options;
    return options.contains(option.name) ? options.at(option.name) : option.defaultValue;
}

void ArchitecturePanel::addOptionRow(const OptionSpec& option) {
    OptionRow row;
    row.option = option;
    const QString name = QString::fromStdString(option.name);
    const int mergeKey = kOptionMergeKeyBase + int(rows_.size());
    const auto setOption = [this, name](const nlohmann::json& value, int key) {
        edit(tr("layer %1 %2 = %3").arg(selected_).arg(name).arg(QString::fromStdString(value.dump())), key,
             [this, name, value](ModelSpec& s) { s.blocks[size_t(selected_)].mixer.options[name.toStdString()] = value; });
    };
    QWidget* field = nullptr;
    switch (option.kind) {
    case OptionSpec::Kind::Bool: {
        auto* check = new QCheckBox(optionsGroup_);
        connect(check, &QCheckBox::toggled, this, [setOption, mergeKey](bool on) { setOption(on, -1); });
        row.show = [check](const nlohmann::json& v) {
            const QSignalBlocker block(check);
            check->setChecked(v.get<bool>());
        };
        field = check;
        break;
    }
    case OptionSpec::Kind::Choice: {
        auto* combo = new QComboBox(optionsGroup_);
        for (const auto& c : option.choices) combo->addItem(QString::fromStdString(c));
        connect(combo, &QComboBox::activated, this, [setOption, combo](int) { setOption(combo->currentText().toStdString(), -1); });
        row.show = [combo](const nlohmann::json& v) {
            const QSignalBlocker block(combo);
            combo->setCurrentText(QString::fromStdString(v.get<std::string>()));
        };
        field = combo;
        break;
    }
    case OptionSpec::Kind::Int:
    case OptionSpec::Kind::Float: {
        const SliderScale scale(option);
        auto* slider = new QSlider(Qt::Horizontal, optionsGroup_);
        slider->setRange(0, scale.steps());
        slider->setObjectName(QStringLiteral("option:") + name);
        QAbstractSpinBox* spin = nullptr;
        std::function<void(double)> setSpin;
        if (scale.integer) {
            auto* s = new QSpinBox(optionsGroup_);
            s->setRange(int(std::max<double>(option.min, -2e9)), int(std::min<double>(option.max, 2e9)));
            connect(s, &QSpinBox::valueChanged, this, [setOption, mergeKey](int v) { setOption(v, mergeKey); });
            setSpin = [s](double v) { s->setValue(int(v)); };
            spin = s;
        } else {
            auto* s = new QDoubleSpinBox(optionsGroup_);
            s->setDecimals(option.min > 0 && option.min < 1e-3 ? 6 : 4);
            s->setRange(option.min, option.max);
            s->setSingleStep((option.max - option.min) / 100);
            connect(s, &QDoubleSpinBox::valueChanged, this, [setOption, mergeKey](double v) { setOption(v, mergeKey); });
            setSpin = [s](double v) { s->setValue(v); };
            spin = s;
        }
        connect(slider, &QSlider::valueChanged, this, [scale, setOption, mergeKey](int position) {
            const double v = scale.value(position);
            if (scale.integer) setOption(int64_t(v), mergeKey);
            else setOption(v, mergeKey);
        });
        row.show = [slider, spin, setSpin, scale](const nlohmann::json& v) {
            const QSignalBlocker blockSlider(slider), blockSpin(spin);
            const double value = v.get<double>();
            if (!slider->isSliderDown()) slider->setValue(scale.position(value));
            setSpin(value);
        };
        row.slider = slider;
        auto* container = new QWidget(optionsGroup_);
        auto* h = new QHBoxLayout(container);
        h->setContentsMargins(0, 0, 0, 0);
        h->addWidget(slider, 1);
        h->addWidget(spin);
        field = container;
        break;
    }
    }
    field->setToolTip(QString::fromStdString(option.help));
    auto* label = new QLabel(name, optionsGroup_);
    label->setToolTip(QString::fromStdString(option.help));
    optionsForm_->addRow(label, field);
    rows_.push_back(std::move(row));
}

void ArchitecturePanel::rebuildOptions() {
    while (optionsForm_->rowCount() > 0) optionsForm_->removeRow(0);
    rows_.clear();
    shownMixer_.clear();
    if (spec_.blocks.empty()) return;
    shownMixer_ = spec_.blocks[size_t(selected_)].mixer.type;
    optionsGroup_->setTitle(tr("Layer %1: %2 options").arg(selected_).arg(QString::fromStdString(shownMixer_)));
    for (const auto& m : mixers_)
        if (m.key == shownMixer_)
            for (const auto& o : m.options) addOptionRow(o);
}

void ArchitecturePanel::showValues() {
    {
        const QSignalBlocker a(width_), b(widthSlider_), c(seed_), d(norm_), e(normPosition_), f(seqLen_);
        width_->setValue(int(spec_.dModel));
        if (!widthSlider_->isSliderDown()) widthSlider_->setValue(int(spec_.dModel));
        seed_->setValue(int(spec_.seed));
        seqLen_->setValue(int(spec_.seqLen));
        norm_->setCurrentText(QString::fromStdString(spec_.norm));
        normPosition_->setCurrentText(QString::fromStdString(spec_.normPosition));
    }
    if (spec_.blocks.empty()) return;
    const auto& block = spec_.blocks[size_t(selected_)];
    {
        const QSignalBlocker a(mixerType_), b(channelMixer_), c(outputGate_);
        mixerType_->setCurrentText(QString::fromStdString(block.mixer.type));
        channelMixer_->setCurrentText(QString::fromStdString(block.channelMixer));
        outputGate_->setChecked(block.outputGate);
    }
    for (auto& row : rows_) row.show(optionValue(row.option));
}

QSlider* ArchitecturePanel::optionSlider(const QString& name) const {
    for (const auto& row : rows_)
        if (row.slider && QString::fromStdString(row.option.name) == name) return row.slider;
    return nullptr;
}

}  // namespace eigenscope::ui
