package io.orchion.proto.convert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

/** A runtime's settings (plain maps, lists, strings, numbers, booleans) to and from protobuf Struct. */
public final class Structs {
    private Structs() {
    }

    public static Struct toStruct(Map<String, ?> map) {
        Struct.Builder b = Struct.newBuilder();
        map.forEach((k, v) -> b.putFields(k, value(v)));
        return b.build();
    }

    public static Map<String, Object> toMap(Struct s) {
        Map<String, Object> out = new LinkedHashMap<>();
        s.getFieldsMap().forEach((k, v) -> out.put(k, plain(v)));
        return out;
    }

    @SuppressWarnings("unchecked")
    static Value value(Object v) {
        if (v == null) {
            return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        }
        if (v instanceof Map<?, ?> m) {
            return Value.newBuilder().setStructValue(toStruct((Map<String, ?>) m)).build();
        }
        if (v instanceof List<?> l) {
            ListValue.Builder lb = ListValue.newBuilder();
            l.forEach(e -> lb.addValues(value(e)));
            return Value.newBuilder().setListValue(lb).build();
        }
        if (v instanceof Boolean bool) {
            return Value.newBuilder().setBoolValue(bool).build();
        }
        if (v instanceof Number n) {
            return Value.newBuilder().setNumberValue(n.doubleValue()).build();
        }
        return Value.newBuilder().setStringValue(v.toString()).build();
    }

    static Object plain(Value v) {
        return switch (v.getKindCase()) {
            case STRUCT_VALUE -> toMap(v.getStructValue());
            case LIST_VALUE -> {
                List<Object> l = new ArrayList<>();
                v.getListValue().getValuesList().forEach(e -> l.add(plain(e)));
                yield l;
            }
            case BOOL_VALUE -> v.getBoolValue();
            case NUMBER_VALUE -> {
                double d = v.getNumberValue();
                yield d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
            }
            case STRING_VALUE -> v.getStringValue();
            default -> null;
        };
    }
}
