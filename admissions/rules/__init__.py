"""The selection rules of Gymnasieförordningen ch. 7, as numpy functions over an encoded round."""
