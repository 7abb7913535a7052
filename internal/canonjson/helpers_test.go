package canonjson

import (
	"math"
	"strconv"
)

func float64frombits(b uint64) float64 { return math.Float64frombits(b) }

// appendExp writes f with an exponent so that Append takes the float path.
func appendExp(f float64) []byte {
	return strconv.AppendFloat(nil, f, 'e', -1, 64)
}
