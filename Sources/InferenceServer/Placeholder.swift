enum InferenceServerPlaceholder {}
