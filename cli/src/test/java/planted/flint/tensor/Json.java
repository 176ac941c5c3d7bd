package planted.flint.tensor;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Planted: the core uses a JSON library. */
public class Json {
    public ObjectMapper mapper;
}
