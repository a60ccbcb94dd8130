#include "panels/input_panel.h"

#include "eigenscope/runtime.h"
#include "session/session.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace eigenscope::ui {

namespace {
const char* const kKinds[] = {"mqar", "randn", "impulse", "text", "tokens", "embed"};
}

InputPanel::InputPanel(Session* session, QWidget* parent) : QWidget(parent), session_(session) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    auto* group = new QGroupBox(tr("Input and analysis"), this);
    outer->addWidget(group);
    auto* form = new QFormLayout(group);
    kind_ = new QComboBox(group);
    kind_->addItems({tr("MQAR task sample"), tr("Gaussian embeddings"), tr("impulse at t = 0"), tr("typed text"),
                     tr("token ids (.npy)"), tr("embeddings (.npy)")});
    form->addRow(tr("input"), kind_);

    details_ = new QStackedWidget(group);
    auto* mqar = new QWidget(details_);
    auto* mqarForm = new QFormLayout(mqar);
    mqarForm->setContentsMargins(0, 0, 0, 0);
    kvPairs_ = new QSpinBox(mqar);
    kvPairs_->setRange(1, 4096);
    kvPairs_->setValue(8);
    vocab_ = new QSpinBox(mqar);
    vocab_->setRange(0, 1 << 20);
    vocab_->setSpecialValueText(tr("model's"));
    powerA_ = new QDoubleSpinBox(mqar);
    powerA_->setRange(0.001, 10);
    powerA_->setValue(0.01);
    powerA_->setDecimals(3);
    randomNonQueries_ = new QCheckBox(tr("random non-query tokens"), mqar);
    randomNonQueries_->setChecked(true);
    mqarForm->addRow(tr("key-value pairs"), kvPairs_);
    mqarForm->addRow(tr("vocabulary"), vocab_);
    mqarForm->addRow(tr("gap power a"), powerA_);
    mqarForm->addRow(QString(), randomNonQueries_);
    details_->addWidget(mqar);
    details_->addWidget(new QWidget(details_));  // randn
    details_->addWidget(new QWidget(details_));  // impulse
    text_ = new QLineEdit(QStringLiteral("the key a maps to b; the key a?"), details_);
    details_->addWidget(text_);
    auto* file = new QWidget(details_);
    auto* fileRow = new QHBoxLayout(file);
    fileRow->setContentsMargins(0, 0, 0, 0);
    path_ = new QLineEdit(file);
    auto* browse = new QPushButton(tr("Browse…"), file);
    fileRow->addWidget(path_, 1);
    fileRow->addWidget(browse);
    details_->addWidget(file);
    form->addRow(details_);

    batch_ = new QSpinBox(group);
    batch_->setRange(1, 4096);
    batch_->setValue(8);
    seqLen_ = new QSpinBox(group);
    seqLen_->setRange(0, 1 << 20);
    seqLen_->setSpecialValueText(tr("model's"));
    seed_ = new QSpinBox(group);
    seed_->setRange(0, 1 << 30);
    device_ = new QComboBox(group);
    device_->addItems({QStringLiteral("cpu"), QStringLiteral("cuda")});
    if (!cudaAvailable()) {
        auto* model = qobject_cast<QStandardItemModel*>(device_->model());
        model->item(1)->setEnabled(false);
        device_->setItemData(1, tr("This LibTorch has no CUDA support or sees no CUDA device"), Qt::ToolTipRole);
    }
    mode_ = new QComboBox(group);
    mode_->addItems({QStringLiteral("corrected"), QStringLiteral("paper")});
    mode_->setItemData(1, tr("The reference code's analysis (eval_eig.py quirks), for comparison with the paper"),
                       Qt::ToolTipRole);
    kind_->setToolTip(tr("What the model runs on: an MQAR task sample, Gaussian embeddings (bypassing the encoder), one "
                         "impulse at t = 0, typed text (its bytes as tokens), or arrays from .npy files"));
    kvPairs_->setToolTip(tr("MQAR: key–value pairs in the context, each queried once"));
    vocab_->setToolTip(tr("MQAR: vocabulary (keys in [1, V/2), values in [V/2, V)); 0: the model's"));
    powerA_->setToolTip(tr("MQAR: the power-law exponent a of the query gaps (Zoology; smaller: shorter gaps)"));
    randomNonQueries_->setToolTip(tr("MQAR: random tokens between the queries instead of zeros"));
    text_->setToolTip(tr("Text analysed as one sample: tokenized with the model's tokenizer.json when it has one, "
                         "its UTF-8 bytes as tokens otherwise (the status line says which)"));
    path_->setToolTip(tr(".npy file: int64 token ids (B, T) or float embeddings (B, T, d)"));
    batch_->setToolTip(tr("Samples in the batch; bins and curves are means over them"));
    seqLen_->setToolTip(tr("Length T of generated inputs; 0: the model's seq_len"));
    seed_->setToolTip(tr("Seed of generated inputs"));
    device_->setToolTip(tr("Where the analysis runs"));
    mode_->setToolTip(tr("corrected: Λ_t as the forward pass applies it; paper: the reference code's analysis"));
    form->addRow(tr("batch"), batch_);
    form->addRow(tr("sequence length"), seqLen_);
    form->addRow(tr("seed"), seed_);
    form->addRow(tr("device"), device_);
    form->addRow(tr("mode"), mode_);

    connect(kind_, &QComboBox::currentIndexChanged, this, [this](int index) {
        details_->setCurrentIndex(std::min(index, 4));
        apply();
    });
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("NumPy array"), path_->text(), tr("NumPy arrays (*.npy)"));
        if (!path.isEmpty()) {
            path_->setText(path);
            apply();
        }
    });
    for (auto* spin : {kvPairs_, vocab_, batch_, seqLen_, seed_}) connect(spin, &QSpinBox::valueChanged, this, &InputPanel::apply);
    connect(powerA_, &QDoubleSpinBox::valueChanged, this, &InputPanel::apply);
    connect(randomNonQueries_, &QCheckBox::toggled, this, &InputPanel::apply);
    // Return in an unchanged field does not re-run the analysis.
    const auto applyIfChanged = [this] {
        if (describeInput(input()) != describeInput(session_->settings().input)) apply();
    };
    connect(text_, &QLineEdit::editingFinished, this, applyIfChanged);
    connect(path_, &QLineEdit::editingFinished, this, applyIfChanged);
    connect(device_, &QComboBox::currentIndexChanged, this, &InputPanel::apply);
    connect(mode_, &QComboBox::currentIndexChanged, this, &InputPanel::apply);
    connect(session_, &Session::settingsChanged, this, &InputPanel::show);
    show();
}

void InputPanel::apply() {
    Session::Settings settings = session_->settings();
    settings.input = input();
    settings.device = device_->currentText();
    settings.mode = mode_->currentText();
    session_->setSettings(settings);
}

void InputPanel::show() {
    const auto& settings = session_->settings();
    const InputSpec& spec = settings.input;
    const auto param = [&](const char* key) {
        const auto it = spec.params.find(key);
        return it == spec.params.end() ? QString() : QString::fromStdString(it->second);
    };
    const QSignalBlocker blockers[] = {QSignalBlocker(kind_), QSignalBlocker(kvPairs_), QSignalBlocker(vocab_),
                                       QSignalBlocker(powerA_), QSignalBlocker(randomNonQueries_), QSignalBlocker(text_),
                                       QSignalBlocker(path_), QSignalBlocker(batch_), QSignalBlocker(seqLen_),
                                       QSignalBlocker(seed_), QSignalBlocker(device_), QSignalBlocker(mode_)};
    setKind(spec.kind == "task" ? QStringLiteral("mqar") : QString::fromStdString(spec.kind));
    if (spec.kind == "task") {
        if (!param("kv_pairs").isEmpty()) kvPairs_->setValue(param("kv_pairs").toInt());
        vocab_->setValue(param("vocab").isEmpty() ? 0 : param("vocab").toInt());
        if (!param("power_a").isEmpty()) powerA_->setValue(param("power_a").toDouble());
        if (!param("random_non_queries").isEmpty()) randomNonQueries_->setChecked(param("random_non_queries") != "0");
    }
    if (spec.kind == "text") {
        // A text file (--input text-file:FILE) stays a file until the box is given text of its own.
        textFile_ = QString::fromStdString(spec.path);
        text_->setText(QString::fromStdString(spec.text));
        text_->setPlaceholderText(textFile_.isEmpty() ? QString() : tr("the text of %1").arg(textFile_));
    }
    if (spec.kind == "tokens" || spec.kind == "embed") path_->setText(QString::fromStdString(spec.path));
    batch_->setValue(int(spec.batch));
    seqLen_->setValue(!param("seq_len").isEmpty() ? param("seq_len").toInt() : int(spec.seqLen));
    seed_->setValue(int(spec.seed));
    device_->setCurrentText(settings.device);
    mode_->setCurrentText(settings.mode);
    details_->setCurrentIndex(std::min(kind_->currentIndex(), 4));
}

InputSpec InputPanel::input() const {
    InputSpec spec;
    const QString kind = QString::fromLatin1(kKinds[kind_->currentIndex()]);
    if (kind == "mqar") {
        spec.kind = "task";
        spec.task = "mqar";
        spec.params["kv_pairs"] = std::to_string(kvPairs_->value());
        if (vocab_->value() > 0) spec.params["vocab"] = std::to_string(vocab_->value());
        spec.params["power_a"] = QString::number(powerA_->value()).toStdString();
        spec.params["random_non_queries"] = randomNonQueries_->isChecked() ? "1" : "0";
    } else if (kind == "text") {
        spec.kind = "text";
        spec.text = text_->text().toStdString();
        if (spec.text.empty()) spec.path = textFile_.toStdString();
    } else if (kind == "tokens" || kind == "embed") {
        spec.kind = kind.toStdString();
        spec.path = path_->text().toStdString();
    } else {
        spec.kind = kind.toStdString();
    }
    spec.batch = batch_->value();
    spec.seqLen = seqLen_->value();
    spec.seed = uint64_t(seed_->value());
    return spec;
}

void InputPanel::setSequenceLength(int length) { seqLen_->setValue(length); }
void InputPanel::setBatch(int batch) { batch_->setValue(batch); }
void InputPanel::setText(const QString& text) {
    text_->setText(text);
    apply();
}

QString InputPanel::setInput(const InputSpec& spec) {
    if (spec.kind == "task" && spec.task != "mqar")
        return tr("input task:%1: the input panel offers the MQAR task only").arg(QString::fromStdString(spec.task));
    for (const auto& [key, value] : spec.params)
        if (key != "kv_pairs" && key != "vocab" && key != "power_a" && key != "random_non_queries" && key != "seq_len")
            return tr("input task:mqar: the input panel has no parameter \"%1\"").arg(QString::fromStdString(key));
    Session::Settings settings = session_->settings();
    settings.input = spec;
    if (spec.params.count("seq_len")) settings.input.seqLen = std::stoll(spec.params.at("seq_len"));
    session_->setSettings(settings);
    return QString();
}

void InputPanel::setKind(const QString& kind) {
    for (int i = 0; i < int(std::size(kKinds)); ++i)
        if (kind == QLatin1String(kKinds[i])) kind_->setCurrentIndex(i);
}

}  // namespace eigenscope::ui
