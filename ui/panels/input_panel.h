// What the model runs on and how it is analysed: input kind and its parameters, batch, length, seed, device
// and analysis mode. Bound to a Session: every change becomes the session's settings, and the panel shows the
// settings the session announces.
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

class Session;

class InputPanel : public QWidget {
    Q_OBJECT
public:
    explicit InputPanel(Session* session, QWidget* parent = nullptr);

    InputSpec input() const;
    void setSequenceLength(int length);
    void setBatch(int batch);
    void setKind(const QString& kind);  // mqar | randn | impulse | text | tokens | embed
    void setText(const QString& text);
    // Makes `spec` the session's input. Returns an error message (nothing changed) for an input the panel does not
    // offer: tasks other than MQAR.
    QString setInput(const InputSpec& spec);

private:
    void apply();  // the widgets' values become the session's settings
    void show();   // the session's settings become the widgets' values

    Session* session_;
    QComboBox* kind_ = nullptr;
    QStackedWidget* details_ = nullptr;
    QSpinBox* kvPairs_ = nullptr;
    QSpinBox* vocab_ = nullptr;
    QDoubleSpinBox* powerA_ = nullptr;
    QCheckBox* randomNonQueries_ = nullptr;
    QLineEdit* text_ = nullptr;
    QString textFile_;
    QLineEdit* path_ = nullptr;
    QSpinBox* batch_ = nullptr;
    QSpinBox* seqLen_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QComboBox* device_ = nullptr;
    QComboBox* mode_ = nullptr;
};

}  // namespace eigenscope::ui
