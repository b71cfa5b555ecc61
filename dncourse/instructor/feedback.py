"""Keep hidden tests and answers out of the feedback learners receive.

nbgrader's feedback is made from the autograded notebook, which holds the
full test cells again (hidden tests included) and their outputs.  Removing the
hidden test code is not enough: the traceback of a failed hidden check quotes
the failing line, and with it the right answer.  :class:`RedactTestOutputs`
replaces every error in a test cell with a neutral message.  A format problem
keeps its plain explanation, since that only describes the learner's own answer.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution

__all__ = ["RedactTestOutputs", "NEUTRAL_MESSAGE"]

NEUTRAL_MESSAGE = "This question did not earn its points. Look back at the lesson section it covers."


class RedactTestOutputs(NbGraderPreprocessor):
    """Replace errors and error streams in test cells by messages that reveal nothing."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not is_grade(cell) or is_solution(cell):
            return cell, resources
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue
            if output.get("output_type") == "error":
                if output.get("ename") == "AnswerFormatError":
                    message = output.get("evalue", "")
                    name = "Answer not in the expected form"
                else:
                    message, name = NEUTRAL_MESSAGE, "Not marked correct"
                output = {"output_type": "error", "ename": name, "evalue": message,
                          "traceback": [f"{name}: {message}"]}
            outputs.append(output)
        cell.outputs = outputs
        return cell, resources
