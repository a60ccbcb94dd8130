// What the model runs on and how it is analysed: input kind and its parameters, batch, length, seed, device
// and analysis mode.
#pragma once

#include "eigenscope/analysis.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;
class QStackedWidget;

namespace eigenscope::ui {

class InputPanel : public QWidget {
    Q_OBJECT
public:
    explicit InputPanel(QWidget* parent = nullptr);

    InputSpec input() const;
    QString device() const;
    QString mode() const;
    // The sequence length the input will have: the typed text's bytes, the chosen length, or `modelSeqLen`.
    int64_t expectedLength(int64_t modelSeqLen) const;
    void setSequenceLength(int length);
    void setBatch(int batch);
    void setKind(const QString& kind);  // mqar | randn | impulse | text | tokens | embed
    void setText(const QString& text);
    // Shows `spec` in the panel and emits changed() once. Returns an error message (nothing changed) for an
    // input the panel does not offer: tasks other than MQAR.
    QString setInput(const InputSpec& spec);

Q_SIGNALS:
    void changed();

private:
    QComboBox* kind_ = nullptr;
    QStackedWidget* details_ = nullptr;
    QSpinBox* kvPairs_ = nullptr;
    QSpinBox* vocab_ = nullptr;
    QDoubleSpinBox* powerA_ = nullptr;
    QCheckBox* randomNonQueries_ = nullptr;
    QLineEdit* text_ = nullptr;
    QLineEdit* path_ = nullptr;
    QSpinBox* batch_ = nullptr;
    QSpinBox* seqLen_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QComboBox* device_ = nullptr;
    QComboBox* mode_ = nullptr;
};

}  // namespace eigenscope::ui
