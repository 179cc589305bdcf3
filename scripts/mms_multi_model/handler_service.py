"""MMS handler service of the multi-model anchor: the toolkit's DefaultHandlerService around a
Transformer, which calls inference.py's model_fn / input_fn / predict_fn / output_fn."""
from sagemaker_inference.default_handler_service import DefaultHandlerService
from sagemaker_inference.default_inference_handler import DefaultInferenceHandler
from sagemaker_inference.transformer import Transformer


class HandlerService(DefaultHandlerService):
    def __init__(self):
        super().__init__(transformer=Transformer(default_inference_handler=DefaultInferenceHandler()))
